"""Training front ends, Qt-free: building training sets, the ``train`` subcommand, fine-tuning on the
user's images.
"""
