"""Image processing adapters (Pillow)."""
