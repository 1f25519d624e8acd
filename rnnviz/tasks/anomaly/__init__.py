"""Anomaly detection: a recurrent sequence autoencoder trained on normal windows of a series."""
