"""Per-language profile calibration (`curator profiles calibrate`): thresholds from real text."""
