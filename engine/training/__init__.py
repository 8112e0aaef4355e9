"""Training: data generation (compositions, hard alpha, augmentation), losses and the trainer."""
