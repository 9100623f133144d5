"""The baseline for the share redirect: a bare Flask app whose one route answers GET /s/<code> with a 302."""

from __future__ import annotations

from flask import Flask, redirect

app = Flask(__name__)


@app.get("/s/<code>")
def follow(code: str):
    """Redirect to a fixed landing page."""
    return redirect("/shop/bench", 302)
