"""What any recurrent model is: its spec, cells, builder, probes, gates and inference, and the checks on uploaded model files."""
