from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    HOME_AGENT = "home_agent", _("Home agent")
    MANAGER = "manager", _("Manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    RECEPTIONIST = "receptionist", _("Receptionist")
    SPECIALIST = "specialist", _("Specialist")


# Roles that work cases and may own them (CASE-07).
AGENT_ROLES = frozenset({Role.AGENT, Role.HOME_AGENT})
# Roles that see every case and every agent, and read the audit trail.
SUPERVISOR_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT, db_index=True)
    teams = models.ManyToManyField(Team, related_name="members", blank=True, verbose_name=_("teams"))
    phone_extension = models.CharField(
        _("phone extension"), max_length=20, blank=True,
        help_text=_("Internal number of the user's softphone."),
    )
    outgoing_email = models.EmailField(
        _("outgoing mailbox address"), blank=True,
        help_text=_("Address the user's e-mails to customers are sent from."),
    )
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES,
        help_text=_("Empty: the language the browser asks for."),
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            # Calls are routed by extension: two active users must never share one.
            models.UniqueConstraint(
                fields=["phone_extension"],
                condition=models.Q(is_active=True) & ~models.Q(phone_extension=""),
                name="unique_active_phone_extension",
            )
        ]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_agent(self):
        return self.role in AGENT_ROLES

    @property
    def is_supervisor(self):
        return self.role in SUPERVISOR_ROLES

    @property
    def is_administrator(self):
        return self.role == Role.ADMINISTRATOR


class LoginFailure(models.Model):
    """One failed sign-in; recent ones lock the username out for a while (login throttling).

    Kept in the database, not a per-process cache, so the limit holds across web processes.
    """

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
