"""The API's resource blueprints, one module per resource."""
