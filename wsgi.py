"""What gunicorn and `flask` load: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from backend import create_app

app = create_app()
