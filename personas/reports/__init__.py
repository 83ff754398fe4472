"""Per-persona activity reports: the numbers (build), their formats, and the raw log export."""
