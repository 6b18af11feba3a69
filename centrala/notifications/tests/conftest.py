import pytest


@pytest.fixture
def sent_events(monkeypatch):
    """Events that publish() hands to the channel layer once the transaction commits.

    Each is {"type", "payload", "users", "teams", "roles"} with recipients as ids. Views run in
    the test transaction, so wrap them in django_capture_on_commit_callbacks(execute=True).
    """
    events = []

    def send_now(event_type, payload, *, users=(), teams=(), roles=()):
        events.append({
            "type": event_type,
            "payload": payload,
            "users": [getattr(u, "pk", u) for u in users],
            "teams": [getattr(t, "pk", t) for t in teams],
            "roles": list(roles),
        })

    monkeypatch.setattr("centrala.realtime.publish.send_now", send_now)
    return events


@pytest.fixture
def team_with(db):
    from centrala.accounts.models import Team

    def make(name, *members):
        team = Team.objects.create(name=name)
        team.members.set(members)
        return team

    return make
