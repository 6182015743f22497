"""The licensing domain: matters, forms, numbers, certificates, permissions, the statutory clock."""
