"""The 40 Inter-X interaction classes, by id (the exact strings of annots/action_setting.txt)."""

ACTION_NAMES: tuple[str, ...] = (
    "Hug", "Handshake", "Wave", "Grab", "Hit", "Kick", "Posing", "Push", "Pull", "Sit on leg",
    "Slap", "Pat on back", "Point finger at", "Walk towards", "Knock over", "Step on foot",
    "High-five", "Chase", "Whisper in ear", "Support with hand", "Rock-paper-scissors", "Dance",
    "Link arms", "Shoulder to shoulder", "Bend", "Carry on back", "Massaging shoulder",
    "Massaging leg", "Hand wrestling", "Chat", "Pat on cheek", "Thumb up", "Touch head",
    "Imitate", "Kiss on cheek", "Help up", "Cover mouth", "Look back", "Block", "Fly kiss",
)
assert len(ACTION_NAMES) == 40
