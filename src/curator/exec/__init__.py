"""Where jobs run besides the local executor (the runner's `run_local`): `slurm` submits them as job arrays."""
