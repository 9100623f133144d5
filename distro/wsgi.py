"""WSGI entry point for the web server: `granian --interface wsgi distro.wsgi:app` (what `distro web` runs)."""

import gc

from distro.app import create_app

app = create_app()
# Everything loaded so far (the app, SQLAlchemy's and marshmallow's machinery) lives as long as the
# process: moved out of the collector's generations, it is not traversed again by every full collection.
gc.freeze()
