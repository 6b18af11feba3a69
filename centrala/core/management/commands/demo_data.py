"""Load demo data: users of every role, teams, presence statuses, and case work to try things on
(two campaigns with their processes, contacts, consents, cases in many states, notes).

Safe to run again: what exists is left as it is (and not changed back), so nothing is doubled.
Contacts are matched by kind and name; the demo cases are created only while the demo campaigns
have no cases at all. Cases, contacts and notes are made through the actions, so the audit trail
and the case timelines look as they would after real work.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from centrala.accounts.models import Role, Team, User
from centrala.activities.actions import do_add_note
from centrala.campaigns.actions import do_save_campaign, do_set_campaign_agents
from centrala.campaigns.models import Campaign, Script, Status
from centrala.campaigns.processes import install_process, load_builtin
from centrala.cases.actions import do_create_case, do_update_case
from centrala.cases.models import Case, Priority, Source
from centrala.contacts.actions import do_create_contact, do_set_consent
from centrala.contacts.catalogue import do_save_consent_type
from centrala.contacts.models import ConsentChannel, ConsentType, Contact, ContactKind
from centrala.presence.models import PresenceKind, PresenceStatus

DEMO_PASSWORD = "centrala-demo"

USERS = [
    # username, first name, last name, role, extension, teams, language
    ("admin", "Adam", "Nowak", Role.ADMINISTRATOR, "", [], "en"),
    ("manager", "Maria", "Wiśniewska", Role.MANAGER, "100", ["Team A", "Team B"], "pl"),
    ("agent", "Anna", "Kowalska", Role.AGENT, "101", ["Team A"], "pl"),
    ("agent2", "Piotr", "Zieliński", Role.AGENT, "102", ["Team A"], "pl"),
    ("homeagent", "Olga", "Ivanova", Role.HOME_AGENT, "103", ["Team B"], "ru"),
    ("reception", "Svetlana", "Petrova", Role.RECEPTIONIST, "200", [], "ru"),
    ("specialist", "Ivan", "Smirnov", Role.SPECIALIST, "201", [], "ru"),
    ("specialist2", "Vladimir", "Petukhov", Role.SPECIALIST, "202", [], "ru"),  # showroom (dealership)
    ("service", "Sergey", "Sidorov", Role.SPECIALIST, "203", [], "ru"),  # service advisor (dealership)
]

STATUSES = [
    # name, kind, logs into queues, default
    (gettext_noop("Available"), PresenceKind.WORK, True, True),
    (gettext_noop("Back office"), PresenceKind.WORK, False, False),
    (gettext_noop("Training"), PresenceKind.WORK, False, False),
    (gettext_noop("Break"), PresenceKind.BREAK, False, False),
    (gettext_noop("Lunch"), PresenceKind.BREAK, False, False),
]

# --- case work --------------------------------------------------------------------------------
# The demo's business data is what such a call center would hold, so it stays untranslated.

CAMPAIGNS = [
    # key, campaign name, built-in process, description, agents, teams
    ("rental", "Vehicle rental", "vehicle_rental",
     "Bookings of cars, vans and minibuses for private and business customers.",
     ["agent", "agent2", "homeagent"], []),
    # Team A only: the home agent (Team B) does not see these cases.
    ("service", "Customer service", "customer_service",
     "Complaints, questions about orders and invoices.", [], ["Team A"]),
]

CONSENT_TYPES = [
    ("Marketing by e-mail", "Offers and news sent to the contact's e-mail addresses."),
    ("Marketing by phone", "Offers presented in phone calls and text messages."),
    ("Processing for this request", "Processing personal data to handle the contact's request."),
]

CONTACTS = {
    # key: (kind, fields, phones as people type them, e-mails)
    "kowalski": (ContactKind.PERSON, {"first_name": "Jan", "last_name": "Kowalski", "city": "Warszawa"},
                 ["+48 601-234-567"], ["jan.kowalski@example.com"]),
    "nowak": (ContactKind.PERSON, {"first_name": "Katarzyna", "last_name": "Nowak", "city": "Kraków"},
              ["601 234 568"], ["k.nowak@example.org"]),
    "wisniewski": (ContactKind.PERSON, {"first_name": "Tomasz", "last_name": "Wiśniewski", "city": "Gdańsk"},
                   ["0048 602 345 678", "58 555 12 34"], []),
    "wojcik": (ContactKind.PERSON, {"first_name": "Agnieszka", "last_name": "Wójcik", "city": "Poznań",
                                    "street": "ul. Półwiejska 12/4", "postal_code": "61-888", "country": "Polska"},
               ["(48) 603 456 789"], ["agnieszka.wojcik@example.com"]),
    "kaminski": (ContactKind.PERSON, {"first_name": "Marek", "last_name": "Kamiński", "city": "Warszawa"},
                 ["22 654 32 10"], []),
    "lewandowska": (ContactKind.PERSON, {"first_name": "Małgorzata", "last_name": "Lewandowska", "city": "Wrocław"},
                    ["+48604567890"], ["m.lewandowska@example.org"]),
    "zawadzki": (ContactKind.PERSON, {"first_name": "Paweł", "last_name": "Zawadzki", "city": "Łódź"},
                 ["605-678-901"], []),
    "szymanska": (ContactKind.PERSON, {"first_name": "Ewa", "last_name": "Szymańska"},
                  ["+48 606 789 012"], ["ewa.szymanska@example.com"]),
    "dabrowski": (ContactKind.PERSON, {"first_name": "Krzysztof", "last_name": "Dąbrowski"},
                  ["0048606111222"], ["k.dabrowski@example.net"]),
    "kozlowska": (ContactKind.PERSON, {"first_name": "Joanna", "last_name": "Kozłowska", "city": "Lublin"},
                  ["507 123 456"], []),
    "mazur": (ContactKind.PERSON, {"first_name": "Piotr", "last_name": "Mazur"}, [], ["piotr.mazur@example.net"]),
    "sokolov": (ContactKind.PERSON, {"first_name": "Дмитрий", "last_name": "Соколов", "city": "Москва"},
                ["+7 (916) 123-45-67"], ["d.sokolov@example.com"]),
    "morozova": (ContactKind.PERSON, {"first_name": "Елена", "last_name": "Морозова", "city": "Санкт-Петербург"},
                 ["+7 903 765 43 21"], []),
    "kuznetsov": (ContactKind.PERSON, {"first_name": "Сергей", "last_name": "Кузнецов"},
                  ["007 495 123 45 67"], ["kuznetsov@example.org"]),
    "popova": (ContactKind.PERSON, {"first_name": "Анна", "last_name": "Попова"}, ["+7 912 345-67-89"], []),
    "volkov": (ContactKind.PERSON, {"first_name": "Nikolai", "last_name": "Volkov", "city": "Warszawa"},
               ["790 111 222"], ["n.volkov@example.com"]),
    "autotrans": (ContactKind.COMPANY, {"company_name": "Auto-Trans Sp. z o.o.", "tax_id": "521-345-67-89",
                                        "street": "ul. Grochowska 21", "postal_code": "04-186", "city": "Warszawa"},
                  ["+48 12 345 67 89", "71 340 22 11"], ["biuro@auto-trans.example.com"]),
    "hotel": (ContactKind.COMPANY, {"company_name": "Hotel Mazury S.A.", "city": "Giżycko"},
              ["61 852 00 00"], ["recepcja@hotel-mazury.example.com"]),
    "severtrans": (ContactKind.COMPANY, {"company_name": "ООО «СеверТранс»", "tax_id": "7701234567", "city": "Москва"},
                   ["+7 (812) 600-11-22"], ["info@severtrans.example.org"]),
    "eventy": (ContactKind.COMPANY, {"company_name": "Eventy Polska s.c.", "city": "Szczecin"},
               ["+49 30 1234567"], ["kontakt@eventy.example.com"]),
}

CONSENTS = [
    # contact, consent type, granted, how
    ("kowalski", "Marketing by e-mail", True, ConsentChannel.PHONE),
    ("kowalski", "Processing for this request", True, ConsentChannel.PHONE),
    ("wojcik", "Marketing by e-mail", True, ConsentChannel.WEB),
    ("wojcik", "Marketing by phone", True, ConsentChannel.WEB),
    ("wojcik", "Processing for this request", True, ConsentChannel.WEB),
    ("lewandowska", "Marketing by phone", True, ConsentChannel.PHONE),
    ("lewandowska", "Marketing by phone", False, ConsentChannel.EMAIL),  # changed her mind: history stays
    ("sokolov", "Processing for this request", True, ConsentChannel.EMAIL),
    ("autotrans", "Marketing by e-mail", True, ConsentChannel.DOCUMENT),
]


def _rental(vehicle, days, place, extras=(), *, length=2, return_place=""):
    return lambda day: {
        "vehicle_type": vehicle, "extras": list(extras), "pickup_place": place,
        "pickup_at": day(days, 9), "return_at": day(days + length, 18), "return_place": return_place,
    }


def _service(category, description, order="", amount=None):
    return lambda day: {"category": category, "description": description, "order_number": order,
                        **({"amount": amount} if amount else {})}


# campaign, contact, created by (None: came in by itself), source, priority, status (None: the
# initial one), owner ("creator": whoever created it; None: nobody yet), form, callback, note.
# Callbacks: "today" is due later today, "overdue" yesterday, "late" three hours ago.
CASES = [
    ("rental", "kowalski", "agent", Source.OUTBOUND, Priority.NORMAL, "Booked", "creator",
     _rental("van", 3, "Warszawa, Okęcie", ["gps"], return_place="Warszawa, Okęcie"), None,
     "Klient prosi o fakturę na firmę, dane prześle mailem."),
    ("rental", "nowak", "agent", Source.OUTBOUND, Priority.LOW, None, "creator", None, None, None),
    ("rental", "wisniewski", "agent2", Source.OUTBOUND, Priority.NORMAL, "Call back (me)", "creator",
     _rental("car", 7, "Gdańsk, Rębiechowo", ["child_seat"]), "today",
     "Oddzwonić po 15:00, wcześniej klient jest w pracy."),
    ("rental", "wojcik", "agent", Source.INBOUND_CALL, Priority.HIGH, "Call back (me)", "creator",
     _rental("minibus", 10, "Poznań, dworzec główny", length=4), "overdue", None),
    ("rental", "kaminski", None, Source.INBOUND_CALL, Priority.HIGH, None, None, None, None, None),
    ("rental", "lewandowska", "agent2", Source.OUTBOUND, Priority.LOW, "No answer", "creator", None, None, None),
    ("rental", "zawadzki", "homeagent", Source.OUTBOUND, Priority.NORMAL, "Waiting for availability", "creator",
     _rental("truck", 5, "Łódź, ul. Pabianicka 245", length=1), None,
     "Czekamy na potwierdzenie dostępności auta z oddziału w Łodzi."),
    ("rental", "szymanska", "homeagent", Source.OUTBOUND, Priority.LOW, "Booked", "creator",
     _rental("car", 14, "Kraków, Balice", ["gps", "extra_driver"], length=7), None, None),
    ("rental", "dabrowski", "agent", Source.EMAIL, Priority.LOW, "Booking cancelled", "creator",
     _rental("van", 2, "Warszawa, Okęcie"), None, None),
    ("rental", "kozlowska", "agent2", Source.OUTBOUND, Priority.LOW, "Not interested", "creator", None, None, None),
    ("rental", "sokolov", "homeagent", Source.OUTBOUND, Priority.NORMAL, "Call back in 30 minutes", "creator",
     None, None, "Клиент сравнивает цены, перезвонить с предложением на микроавтобус."),
    ("rental", "morozova", "homeagent", Source.OUTBOUND, Priority.LOW, None, "creator", None, None, None),
    ("rental", "volkov", "manager", Source.OUTBOUND, Priority.NORMAL, "Call back in 30 minutes", None,
     None, None, None),
    ("rental", "autotrans", "agent", Source.OUTBOUND, Priority.HIGH, "Waiting for availability", "creator",
     _rental("minibus", 4, "Warszawa, ul. Grochowska 21", ["roof_box"], length=3), None, None),
    ("rental", "hotel", None, Source.EMAIL, Priority.NORMAL, None, None, None, None, None),
    ("rental", "popova", None, Source.WEB, Priority.LOW, None, None, None, None, None),
    ("rental", "eventy", "agent2", Source.OUTBOUND, Priority.NORMAL, "Booked", "creator",
     _rental("minibus", 21, "Szczecin, Goleniów", ["gps"], length=2), None, None),
    ("rental", "kuznetsov", "homeagent", Source.INBOUND_CALL, Priority.NORMAL, "Call back (me)", "creator",
     _rental("car", 6, "Warszawa, Modlin", ["snow_chains"]), "late", None),
    ("service", "kowalski", None, Source.EMAIL, Priority.HIGH, None, None, None, None, None),
    ("service", "nowak", "agent", Source.INBOUND_CALL, Priority.NORMAL, "In progress", "creator",
     _service("complaint", "Porysowany zderzak w wypożyczonym aucie, klientka nie zgadza się z obciążeniem.",
              "WYP/2026/0412", "850"), None, "Poprosiłam o zdjęcia z odbioru auta."),
    ("service", "autotrans", "agent2", Source.EMAIL, Priority.NORMAL, "Waiting for another department", "creator",
     _service("invoice", "Brak faktury zbiorczej za październik.", "FV/10/2026/118"), None,
     "Przekazane do księgowości, odpowiedź do piątku."),
    ("service", "wojcik", "agent", Source.INBOUND_CALL, Priority.LOW, "Call back (me)", "creator",
     _service("question", "Pytanie o kaucję przy wynajmie długoterminowym."), "today", None),
    ("service", "hotel", "manager", Source.EMAIL, Priority.NORMAL, "Call back (anyone)", None,
     _service("order", "Status zamówienia na 3 busy na wyjazd integracyjny.", "WYP/2026/0398"), "overdue", None),
    ("service", "severtrans", "agent", Source.EMAIL, Priority.LOW, "Solved", "creator",
     _service("question", "Вопрос о возможности аренды с водителем."), None, None),
    ("service", "kaminski", None, Source.LIVECHAT, Priority.NORMAL, None, None, None, None, None),
    ("service", "sokolov", "agent", Source.INBOUND_CALL, Priority.NORMAL, "In progress", "creator",
     _service("complaint", "Двойное списание оплаты за бронирование.", "WYP/2026/0377", "1200"), None, None),
    ("service", "mazur", None, Source.EMAIL, Priority.LOW, "Spam / advertising", None,
     _service("other", "Oferta pozycjonowania strony internetowej."), None, None),
    ("service", "dabrowski", "agent2", Source.OUTBOUND, Priority.LOW, "Solved", "creator",
     _service("invoice", "Korekta faktury: błędny NIP."), None, None),
    ("service", "lewandowska", None, Source.SMS, Priority.URGENT, None, None, None, None, None),
    ("service", "eventy", "agent", Source.INBOUND_CALL, Priority.HIGH, "Call back (me)", "creator",
     _service("complaint", "Minibus podstawiony z godzinnym opóźnieniem.", "WYP/2026/0350", "300"), "overdue", None),
]


class Command(BaseCommand):
    help = "Create demo users, teams, presence statuses, campaigns, contacts and cases (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        for position, (name, kind, queues, default) in enumerate(STATUSES):
            PresenceStatus.objects.get_or_create(
                name=name,
                defaults={"kind": kind, "logs_into_queues": queues, "is_default": default, "position": position},
            )
        teams = {name: Team.objects.get_or_create(name=name)[0] for name in ("Team A", "Team B")}
        # Hashed once for all: a password hash takes a third of a second, and this one is public.
        demo_hash = None
        for username, first, last, role, extension, team_names, language in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first, "last_name": last, "role": role, "phone_extension": extension,
                    "email": f"{username}@centrala.example", "language": language,
                    "is_staff": role == Role.ADMINISTRATOR, "is_superuser": role == Role.ADMINISTRATOR,
                },
            )
            if created:
                demo_hash = demo_hash or make_password(DEMO_PASSWORD)
                user.password = demo_hash
                user.save(update_fields=["password"])
                user.teams.set([teams[name] for name in team_names])
        users = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in USERS])}
        campaigns = self.campaigns(users, teams)
        contacts = self.contacts(users)
        made = self.cases(users, campaigns, contacts)
        from centrala.dealership import demo as dealership_demo

        traffic_made = dealership_demo.load(users)

        self.stdout.write(f"Dealership: {traffic_made} traffic records created now.")
        self.stdout.write(self.style.SUCCESS("Demo data is in place. Demo logins:"))
        for username, _first, _last, role, *_rest in USERS:
            self.stdout.write(f"  {username:<12} / {DEMO_PASSWORD}   ({Role(role).label})")
        self.stdout.write(f"Campaigns: {', '.join(c.name for c in campaigns.values())}; "
                          f"{len(contacts)} demo contacts; {made} cases created now.")

    def campaigns(self, users, teams):
        admin = users["admin"]
        result = {}
        for key, name, process, description, agent_names, team_names in CAMPAIGNS:
            campaign = Campaign.objects.filter(name=name).first()
            if campaign is None:
                script = Script.objects.filter(name=load_builtin(process)["script"]["name"]).first()
                script = script or install_process(load_builtin(process))
                campaign = do_save_campaign(admin, Campaign(), name=name, description=description, script=script)
                do_set_campaign_agents(admin, campaign, agents=[users[u] for u in agent_names],
                                       teams=[teams[t] for t in team_names])
            result[key] = campaign
        for name, description in CONSENT_TYPES:
            if not ConsentType.objects.filter(name__iexact=name).exists():
                do_save_consent_type(admin, ConsentType(), name=name, description=description)
        return result

    def contacts(self, users):
        manager = users["manager"]
        consent_types = {c.name: c for c in ConsentType.objects.all()}
        result, new = {}, set()
        for key, (kind, fields, phones, emails) in CONTACTS.items():
            name = fields["company_name"] if kind == ContactKind.COMPANY else f"{fields['first_name']} {fields['last_name']}"
            contact = Contact.objects.filter(kind=kind, display_name=name).first()
            if contact is None:
                contact = do_create_contact(manager, kind, phones=phones, emails=emails, **fields)
                new.add(key)
            result[key] = contact
        for key, consent, granted, channel in CONSENTS:
            if key in new and consent in consent_types:  # an existing contact's consents are real data
                do_set_consent(users["agent"], result[key], consent_types[consent], granted, channel)
        return result

    def cases(self, users, campaigns, contacts):
        if Case.objects.filter(campaign__in=campaigns.values()).exists():
            return 0  # created before (or the campaigns are in real use): never add to them
        now = timezone.now()
        today = timezone.localdate()

        def day(days, hour):
            return timezone.make_aware(datetime.combine(today + timedelta(days=days), time(hour)))

        end_of_today = timezone.make_aware(datetime.combine(today + timedelta(days=1), time()))
        due = {"today": now + (end_of_today - now) / 2, "overdue": now - timedelta(days=1),
               "late": now - timedelta(hours=3)}
        statuses = {(s.script_id, s.name): s for s in Status.objects.filter(
            script__in=[c.script_id for c in campaigns.values()])}
        for campaign_key, contact_key, creator, source, priority, status, owner, form, callback, note in CASES:
            campaign = campaigns[campaign_key]
            creator = users[creator] if creator else None
            owner_user = creator if owner == "creator" else None
            case = do_create_case(creator, campaign=campaign, contact=contacts[contact_key], source=source,
                                  priority=priority, owner=owner_user, form_data=form(day) if form else None,
                                  check_access=False)
            # Worked by its owner, or by the manager when nobody owns it yet.
            worker = owner_user or users["manager"]
            if status is not None:
                changes = {"status": statuses[(campaign.script_id, status)]}
                if callback:
                    changes["callback_at"] = due[callback]
                if status.startswith("Spam"):
                    changes["is_spam"] = True
                case = do_update_case(worker, case.pk, base_version=case.version, changes=changes)
            if note:
                do_add_note(worker, case.pk, note)
        return len(CASES)
