"""A bare Flask app: the yardstick a page of the school is held against.

``bench.harness.hello_server`` runs it under the same gunicorn settings as ``wsgi:app``; what a
page costs beyond this is the school's own work (session, database, templates).
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
