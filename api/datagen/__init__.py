"""Generated data for benchmarks: ``python -m api.cli generate-data``.

Fills a SQLite or PostgreSQL database, migrated and seeded like the product's, with a realistic
city's worth of cases (by default 100,000 households over ten fiscal years) and the known demo
log-ins. Faker and tqdm are development packages: nothing in the product imports this package;
the CLI imports it inside its ``generate-data`` command only.
"""
