"""A task that always fails, for the tests of how failures are recorded and shown."""

from django.tasks import task


class DeliberateFailure(RuntimeError):
    pass


@task()
def always_fails(reason="deliberate failure"):
    raise DeliberateFailure(reason)
