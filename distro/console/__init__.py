"""The consoles (控制台) for suppliers, finance staff and admins: desktop pages at /console, in Chinese first.

One address for every role: each signed-in account sees the sections of the roles it holds (blueprint.SECTIONS).
Pages are thin, as the owner app's are: parse with a schema, call the same service as the API, render.
"""
