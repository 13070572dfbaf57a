"""`make bench`: seed 200,000 files on PostgreSQL, serve them with gunicorn, load the pages with wrk."""
