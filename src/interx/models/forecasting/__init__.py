"""Two-person motion forecasting: baselines, the two-person STS-GCN, the joint-token transformer.

Every forecaster is an `nn.Module` with `predict(history) -> future`:
history (B, 30, 2, J, 3) -> future (B, 60, 2, J, 3), meters in the window frame
of `interx.datasets.forecast` (the protocol), 30 fps. Runs (config, training,
loading) live in `interx.models.forecasting.run`; writing a forecast as an
Inter-X sequence in `interx.models.forecasting.sequence`.
"""
