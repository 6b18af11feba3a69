"""Issue an API token from the command line (for integrations set up by an administrator)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from centrala.accounts.models import User
from centrala.api import actions


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print it. The token is printed once, on standard "
        "output alone, so it can be captured by a script; it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="Command line", help="What the token is for (default: %(default)s)."
        )
        parser.add_argument(
            "--days", type=int, default=None, help="Expire after this many days (default: never)."
        )

    def handle(self, username, name, days, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        if not user.is_active:
            raise CommandError(
                f"The user {username!r} is disabled; tokens are only issued to active users."
            )
        try:
            token, raw = actions.do_create_token(None, user, name, days)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        expiry = "never expires"
        if token.expires_at:
            expiry = f"expires {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M %Z}"
        self.stderr.write(
            f"API token {token.name!r} for {user.username} ({expiry}). "
            "Store it now: it cannot be shown again."
        )
        self.stdout.write(raw)
