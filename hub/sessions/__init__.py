"""Sessions on the hub: ordering them on PCs, projecting the PCs' journals, pricing and charging."""
