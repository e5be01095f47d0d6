"""`shopctl import-original`: bring a shop over from the original Flask + PostgreSQL system.

source.py reads the original tables, mapping.py turns rows into this system's items under the documented
anomaly rules (pure, no I/O), writer.py writes them in batches without ever overwriting an existing item,
and run.py ties them together and prints / saves the report.
"""
