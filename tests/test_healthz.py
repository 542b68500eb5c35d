"""The health check: plain "ok", no database, reachable over plain http even when https is enforced."""


def test_healthz_without_database_answers_ok_as_plain_text(client):
    # No `db` fixture: any query would raise, so this also proves the view never touches the database.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"ok"


def test_healthz_when_ssl_redirect_is_on_is_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    other = client.get("/events-page", secure=False)
    response = client.get("/healthz", secure=False)

    assert other.status_code == 301
    assert other["Location"] == "https://testserver/events-page"
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_when_posted_is_refused(client):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET"
