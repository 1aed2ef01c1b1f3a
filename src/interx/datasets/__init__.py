"""Torch-ready datasets per task over a cache, samplers and collation with masks.

- `samplers`: `StepBatchSampler` (batches as a pure function of seed, step and
  rank, optionally class-balanced with `class_weights`), used by `interx.train.fit`;
- `interaction`: the generator's items (`InteractionDataset`, `GeneratorCollate`);
- `forecast`, `recognition`: the forecaster's windows and the recogniser's items; `pairs`: their
  joint sets and augmentations.
"""
