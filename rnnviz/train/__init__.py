"""Training: the live training loop, its run state and progress deltas, the run store and the data it keeps."""
