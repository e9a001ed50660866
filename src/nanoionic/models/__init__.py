"""Device models: one file per model, each a DeviceModel (see base.py)."""
