"""The Qt user interface: one module per panel, each a view over an item model fed by the store."""
