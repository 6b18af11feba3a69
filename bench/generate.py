"""Synthetic data for the list benchmark: users, teams, campaigns, contacts, cases, activities.

Fast because rows go in by the database's bulk path: COPY on PostgreSQL (psycopg 3
cursor.copy()), executemany in one transaction per table on SQLite; secondary indexes are dropped
before a big table is loaded and built again afterwards, and on PostgreSQL foreign-key triggers
are off while loading (the generator only writes ids it has just created). Derived fields are
filled the way the models fill them (Contact.derive_display_name/derive_search_key, E.164 phones,
lower-cased e-mail keys), so searches behave as on real data.

Distributions aim at a working contact center: statuses over all eight types, about 60% of cases
owned, due times on callbacks (a third of them overdue), creation dates spread over a year, 2% spam.
"""

import json
import random
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

BATCH = 20_000  # rows per executemany on SQLite


@dataclass
class Sizes:
    cases: int
    contacts: int
    activities: int
    campaigns: int
    users: int

    @classmethod
    def for_cases(cls, cases):
        """The issue's proportions: 1,000,000 cases go with 300,000 contacts, 3,000,000 activities,
        50 campaigns and 300 users; smaller runs scale contacts and activities down with the cases."""
        return cls(
            cases=cases,
            contacts=max(10, cases * 3 // 10),
            activities=cases * 3,
            campaigns=min(50, max(2, cases // 2000)),
            users=min(300, max(8, cases // 300)),
        )

    def as_dict(self):
        return asdict(self)


# --- names --------------------------------------------------------------------------------------

FIRST = ["Jan", "Anna", "Piotr", "Katarzyna", "Łukasz", "Małgorzata", "Paweł", "Agnieszka", "Michał", "Magdalena",
         "Tomasz", "Joanna", "Krzysztof", "Ewa", "Andrzej", "Żaneta", "Grzegorz", "Barbara", "Marcin", "Zofia",
         "Jakub", "Aleksandra", "Mateusz", "Weronika", "Bartłomiej", "Dorota", "Wojciech", "Elżbieta", "Kamil",
         "Beata", "Dariusz", "Iwona", "Rafał", "Jolanta", "Sławomir", "Urszula", "Adam", "Natalia", "Szymon", "Julia"]
LAST = ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
        "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
        "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński",
        "Wróbel", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Górski", "Rutkowski", "Sikora",
        "Baran", "Duda", "Szewczyk", "Tomaszewski", "Pietrzak", "Marciniak", "Żółkiewski", "Łęcki", "Ostrowski"]
CYRILLIC_FIRST = ["Иван", "Ольга", "Алексей", "Наталья", "Сергей", "Татьяна", "Дмитрий", "Ёлка"]
CYRILLIC_LAST = ["Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Ёлкин", "Волков"]
COMPANY_WORDS = ["Trans", "Auto", "Bud", "Med", "Pol", "Tech", "Serwis", "Logistyka", "Żuraw", "Energia", "Dom",
                 "Agro", "Invest", "Flota", "Mar", "Handel", "Usługi", "Sprzęt", "Łódź", "Kraków"]
COMPANY_FORMS = ["Sp. z o.o.", "S.A.", "s.c.", "Sp.j.", ""]
CITIES = [("Warszawa", "00-"), ("Kraków", "30-"), ("Łódź", "90-"), ("Wrocław", "50-"), ("Poznań", "60-"),
          ("Gdańsk", "80-"), ("Szczecin", "70-"), ("Lublin", "20-"), ("Białystok", "15-"), ("Katowice", "40-")]
STREETS = ["Marszałkowska", "Długa", "Kościuszki", "Mickiewicza", "Słowackiego", "Polna", "Leśna", "Ogrodowa",
           "Żeromskiego", "Piłsudskiego", "Wolności", "Szkolna"]
DOMAINS = ["gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "outlook.com", "firma.pl", "yandex.ru"]
TOPICS = ["Booking request", "Price question", "Complaint", "Change of dates", "Invoice", "Damage report",
          "Cancellation", "Callback request", "Delivery", "Contract renewal", "Technical problem", "Refund",
          "Order status", "New customer", "Warranty claim", "Address change"]
DETAILS = ["van for 3 days", "weekend", "from the website", "urgent", "second contact", "after the call",
           "company fleet", "airport pick-up", "missing documents", "for next month", "repeat customer", ""]
NOTES = ["Customer asked to call back in the afternoon.", "Sent the price list.", "Waiting for documents.",
         "Confirmed the booking by phone.", "Customer not available, left a message.",
         "Escalated to the back office.", "Discussed the contract terms.", "Agreed on a discount."]
MOBILE_LEADS = "5678"

# Share of cases in each status type (of the statuses a script has).
TYPE_WEIGHTS = {
    "unused": 14, "no_qualifier": 10, "private_callback": 6, "public_callback": 8, "pending": 10,
    "success": 17, "closing": 25, "cancel_success_close": 10,
}
OPEN_TYPES = {"unused", "no_qualifier", "private_callback", "public_callback", "pending"}
CALLBACK_TYPES = {"private_callback", "public_callback"}
SOURCES = (["outbound"] * 40 + ["inbound_call"] * 30 + ["email"] * 15 + ["web"] * 8 + ["sms"] * 4
           + ["livechat"] * 3)
PRIORITIES = [0] * 70 + [1] * 20 + [2] * 8 + [3] * 2
ACTIVITY_KINDS = ["info"] * 35 + ["note"] * 20 + ["call"] * 25 + ["email"] * 12 + ["sms"] * 8
SPAM_SHARE = 0.02
CLOSED_OWNED_SHARE = 0.85  # closed cases were worked by someone
OPEN_OWNED_SHARE = 0.42    # open ones often still wait to be distributed


def fmt_phone(national, style):
    """One national number (9 digits) typed the way people type numbers."""
    a, b, c = national[:3], national[3:6], national[6:]
    return [
        f"+48 {a} {b} {c}", f"{a}-{b}-{c}", f"0048{national}", f"{national}", f"+48{national}",
        f"({national[:2]}) {national[2:5]} {national[5:7]} {national[7:]}", f"{a} {b} {c}",
    ][style % 7]


# --- loading ------------------------------------------------------------------------------------

class Loader:
    """Writes rows straight into tables: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def value(self, value):
        """A Python value as the database driver should get it for this engine."""
        if isinstance(value, datetime):
            if self.postgres:
                return value
            return str(value.astimezone(UTC).replace(tzinfo=None))  # how Django stores it on SQLite
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return value

    def load(self, table, columns, rows):
        """Insert `rows` (tuples in the order of `columns`) into `table`; returns how many."""
        count = 0
        quoted = ", ".join(f'"{column}"' for column in columns)
        value = self.value
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([value(item) for item in row])
                        count += 1
                return count
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
            raw = cursor.cursor
            batch = []
            for row in rows:
                batch.append([value(item) for item in row])
                if len(batch) >= BATCH:
                    raw.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                raw.executemany(sql, batch)
                count += len(batch)
        return count

    @contextmanager
    def fast_load(self, *tables):
        """Drop the tables' secondary indexes (rebuilt on exit) and, on PostgreSQL, skip foreign-key
        triggers while loading (superusers only; others load the slower way)."""
        saved = []
        with connection.cursor() as cursor:
            for table in tables:
                saved += self._secondary_indexes(cursor, table)
            for name, _sql in saved:
                cursor.execute(f'DROP INDEX "{name}"')
            replica = False
            if self.postgres:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                if cursor.fetchone()[0]:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                    replica = True
        yield
        with connection.cursor() as cursor:
            if replica:
                cursor.execute("SET LOCAL session_replication_role = origin")
            if self.postgres:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, sql in saved:
                cursor.execute(sql)

    def _secondary_indexes(self, cursor, table):
        if self.postgres:
            cursor.execute(
                """SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
                   JOIN pg_class c ON c.oid = x.indexrelid
                   WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)""",
                [f'"{table}"'],
            )
            return cursor.fetchall()
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%%'",
            [table],
        )
        return cursor.fetchall()


def reset_sequences(*models):
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def next_id(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def optimise():
    """ANALYZE (and VACUUM on PostgreSQL, which also fills the visibility map for index-only
    scans). VACUUM cannot run inside a transaction, e.g. in the smoke test: then ANALYZE only."""
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")


# --- the generator ------------------------------------------------------------------------------

class Generator:
    def __init__(self, sizes, *, seed=4, log=print):
        self.sizes = sizes
        self.random = random.Random(seed)
        self.log = log
        self.loader = Loader()
        self.now = timezone.now().replace(microsecond=0)
        self.timings = {}

    def step(self, name, function):
        started = time.perf_counter()
        with transaction.atomic():
            result = function()
        self.timings[name] = round(time.perf_counter() - started, 2)
        self.log(f"  {name:<12} {result if result is not None else '':>10} rows  {self.timings[name]:8.2f} s")
        return result

    def run(self):
        started = time.perf_counter()
        self.log(f"generating {self.sizes.as_dict()}")
        self.step("users", self.make_users)
        self.step("campaigns", self.make_campaigns)
        self.step("contacts", self.make_contacts)
        self.step("cases", self.make_cases)
        self.step("activities", self.make_activities)
        analysed = time.perf_counter()
        optimise()
        self.timings["analyze"] = round(time.perf_counter() - analysed, 2)
        self.timings["total"] = round(time.perf_counter() - started, 2)
        self.log(f"  {'analyze':<12} {'':>10}       {self.timings['analyze']:8.2f} s")
        self.log(f"generated in {self.timings['total']:.1f} s")
        return self.timings

    # users and teams

    def make_users(self):
        from django.contrib.auth.hashers import make_password

        from centrala.accounts.models import Role, Team, User

        rnd = self.random
        total = self.sizes.users
        managers = max(1, total // 15)
        unusable = make_password(None)  # force_login needs no password; hashing 300 would take minutes
        users = [User(username="bench-admin", first_name="Bench", last_name="Admin", role=Role.ADMINISTRATOR,
                      password=unusable)]
        for index in range(managers):
            users.append(User(username=f"bench-manager-{index:03d}", first_name=rnd.choice(FIRST),
                              last_name=rnd.choice(LAST), role=Role.MANAGER, password=unusable))
        for index in range(total - len(users)):
            role = Role.HOME_AGENT if index % 10 == 9 else Role.AGENT
            users.append(User(username=f"bench-agent-{index:03d}", first_name=rnd.choice(FIRST),
                              last_name=rnd.choice(LAST), role=role, password=unusable))
        User.objects.bulk_create(users, batch_size=500)
        self.agents = list(User.objects.filter(username__startswith="bench-agent-").order_by("pk")
                           .values_list("pk", flat=True))
        self.managers = list(User.objects.filter(username__startswith="bench-manager-").order_by("pk")
                             .values_list("pk", flat=True))
        team_count = max(1, len(self.agents) // 18)
        teams = Team.objects.bulk_create(Team(name=f"Bench team {index + 1}") for index in range(team_count))
        self.team_members = {team.pk: [] for team in teams}
        memberships = []
        for position, agent_id in enumerate(self.agents):
            team = teams[position % team_count]
            self.team_members[team.pk].append(agent_id)
            memberships.append(User.teams.through(user_id=agent_id, team_id=team.pk))
        User.teams.through.objects.bulk_create(memberships, batch_size=2000)
        self.teams = [team.pk for team in teams]
        return len(users)

    # scripts (the ready processes, installed several times) and campaigns

    def make_campaigns(self):
        from centrala.campaigns.models import Campaign, Status
        from centrala.campaigns.processes import BUILT_IN_NAMES, install_process, load_builtin

        rnd = self.random
        copies = max(1, min(5, self.sizes.campaigns // (2 * len(BUILT_IN_NAMES))))
        scripts = []
        for copy in range(copies):
            for name in BUILT_IN_NAMES:
                data = load_builtin(name)
                scripts.append(install_process(data, name=f"{data['script']['name']} (bench {copy + 1})"))
        campaigns = Campaign.objects.bulk_create(
            Campaign(name=f"Bench campaign {index + 1:02d} — {scripts[index % len(scripts)].name}",
                     script=scripts[index % len(scripts)])
            for index in range(self.sizes.campaigns)
        )
        statuses = {}
        for status in Status.objects.filter(script__in=scripts).order_by("position", "pk"):
            statuses.setdefault(status.script_id, []).append(status)
        # Teams of agents on each campaign (two teams each), and a couple of agents directly.
        team_links, agent_links = [], []
        self.campaign_agents = {}
        for index, campaign in enumerate(campaigns):
            chosen = {self.teams[index % len(self.teams)], self.teams[(index * 7 + 3) % len(self.teams)]}
            members = set()
            for team_id in chosen:
                team_links.append(Campaign.teams.through(campaign_id=campaign.pk, team_id=team_id))
                members.update(self.team_members[team_id])
            for agent_id in rnd.sample(self.agents, min(2, len(self.agents))):
                if agent_id not in members:
                    agent_links.append(Campaign.agents.through(campaign_id=campaign.pk, user_id=agent_id))
                    members.add(agent_id)
            self.campaign_agents[campaign.pk] = sorted(members)
        Campaign.teams.through.objects.bulk_create(team_links)
        Campaign.agents.through.objects.bulk_create(agent_links)
        # Per campaign: statuses with cumulative weights, so cases spread over every type a script has.
        self.campaign_statuses = {}
        for campaign in campaigns:
            items = statuses[campaign.script_id]
            per_type = {}
            for status in items:
                per_type[status.type] = per_type.get(status.type, 0) + 1
            weights, total = [], 0
            for status in items:
                total += TYPE_WEIGHTS[status.type] / per_type[status.type]
                weights.append(total)
            self.campaign_statuses[campaign.pk] = ([(s.pk, s.type) for s in items], weights)
        self.campaigns = [campaign.pk for campaign in campaigns]
        # Some campaigns are much bigger than others.
        self.campaign_weights = []
        total = 0
        for rank in range(len(self.campaigns)):
            total += 1 / (rank + 1) ** 0.6
            self.campaign_weights.append(total)
        return len(campaigns)

    # contacts, their phones and e-mails

    def make_contacts(self):
        from centrala.contacts.models import Contact, ContactEmail, ContactPhone

        rnd = self.random
        n = self.sizes.contacts
        first_id = next_id(Contact)
        self.contact_ids = range(first_id, first_id + n)
        self.contact_phone = {}  # contact id -> an E.164 number (for call and SMS activities)
        numbers = rnd.sample(range(10 ** 8), int(n * 1.2) + 10)
        number_at = 0
        phones, emails = [], []
        two_years = 2 * 365 * 86400

        def contacts():
            nonlocal number_at
            for offset in range(n):
                pk = first_id + offset
                cyrillic = rnd.random() < 0.04
                company = rnd.random() < 0.1
                contact = Contact(kind="company" if company else "person")
                if company:
                    name = rnd.choice(COMPANY_WORDS) + rnd.choice(COMPANY_WORDS).lower()
                    contact.company_name = f"{name} {rnd.choice(COMPANY_FORMS)}".strip()
                    contact.tax_id = f"{rnd.randrange(10 ** 9, 10 ** 10)}"
                elif cyrillic:
                    contact.first_name, contact.last_name = rnd.choice(CYRILLIC_FIRST), rnd.choice(CYRILLIC_LAST)
                else:
                    contact.first_name, contact.last_name = rnd.choice(FIRST), rnd.choice(LAST)
                display_name = contact.derive_display_name()[:250]
                contact.display_name = display_name
                search_key = contact.derive_search_key()
                city, postal = rnd.choice(CITIES)
                created = self.now - timedelta(seconds=rnd.randrange(two_years))
                # Phones: most have one, some two, a few none; typed in every usual format.
                count = rnd.choices((0, 1, 2), (5, 85, 10))[0]
                for position in range(count):
                    national = MOBILE_LEADS[numbers[number_at] % 4] + f"{numbers[number_at]:08d}"
                    number_at += 1
                    raw = fmt_phone(national, rnd.randrange(7))
                    phones.append((pk, raw, "+48" + national, "mobile" if position == 0 else "work", position))
                    self.contact_phone.setdefault(pk, "+48" + national)
                if rnd.random() < 0.003:  # kept as typed, not a number
                    phones.append((pk, "ask reception, ext. " + str(rnd.randrange(100, 999)), "", "", count))
                count = rnd.choices((0, 1, 2), (30, 65, 5))[0]
                local = contact.derive_search_key().split(" ")
                local = ".".join(part for part in local[:2] if part.isascii() and part.isalnum()) or "contact"
                for position in range(count):
                    address = f"{local}.{pk}{'' if position == 0 else '.work'}@{rnd.choice(DOMAINS)}"
                    emails.append((pk, address, address.lower(), "", position))
                yield (pk, contact.kind, contact.first_name, contact.last_name, contact.company_name, contact.tax_id,
                       display_name, search_key, f"ul. {rnd.choice(STREETS)} {rnd.randrange(1, 200)}",
                       f"{postal}{rnd.randrange(100, 999)}", city, "Polska", {}, created,
                       min(self.now, created + timedelta(days=rnd.randrange(60))), 1)

        columns = ("id", "kind", "first_name", "last_name", "company_name", "tax_id", "display_name", "search_key",
                   "street", "postal_code", "city", "country", "extra", "created_at", "updated_at", "version")
        with self.loader.fast_load(Contact._meta.db_table, ContactPhone._meta.db_table, ContactEmail._meta.db_table):
            count = self.loader.load(Contact._meta.db_table, columns, contacts())
            self.loader.load(ContactPhone._meta.db_table, ("contact_id", "raw", "e164", "label", "position"), phones)
            self.loader.load(ContactEmail._meta.db_table, ("contact_id", "address", "address_key", "label", "position"),
                             emails)
        reset_sequences(Contact, ContactPhone, ContactEmail)
        return count

    # cases

    def make_cases(self):
        from centrala.cases.models import Case

        rnd = self.random
        n = self.sizes.cases
        first_id = next_id(Case)
        self.first_case = first_id
        self.case_contact = []   # by offset: contact id
        self.case_created = []   # by offset: seconds before now
        self.case_owner = []     # by offset: owner id or 0
        year = 365 * 86400
        contacts = self.contact_ids
        now = self.now

        def cases():
            for offset in range(n):
                campaign = rnd.choices(self.campaigns, cum_weights=self.campaign_weights)[0]
                choices, weights = self.campaign_statuses[campaign]
                status_id, status_type = rnd.choices(choices, cum_weights=weights)[0]
                is_open = status_type in OPEN_TYPES
                spam = rnd.random() < SPAM_SHARE
                owned = status_type == "private_callback" or (
                    not spam and rnd.random() < (OPEN_OWNED_SHARE if is_open else CLOSED_OWNED_SHARE))
                agents = self.campaign_agents[campaign]
                owner = rnd.choice(agents) if owned and agents else None
                # Ids grow with time: case n is the newest, created just now; jitter keeps it lifelike.
                age = max(0, int(year * (n - offset) / n) - rnd.randrange(600))
                created = now - timedelta(seconds=age)
                updated = min(now, created + timedelta(seconds=int(rnd.expovariate(1 / (3 * 86400)))))
                callback_at = reminder_sent_at = None
                if status_type in CALLBACK_TYPES or (status_type == "success" and rnd.random() < 0.1):
                    callback_at = now + timedelta(seconds=rnd.randrange(-10 * 86400, 20 * 86400))
                    callback_at = callback_at.replace(second=0)
                    if callback_at < now:
                        reminder_sent_at = callback_at
                if rnd.random() < 0.3:  # some customers come back again and again
                    contact = contacts[int(rnd.paretovariate(1.2) * len(contacts) / 8) % len(contacts)]
                else:
                    contact = contacts[rnd.randrange(len(contacts))]
                self.case_contact.append(contact)
                self.case_created.append(age)
                self.case_owner.append(owner or 0)
                subject = f"{rnd.choice(TOPICS)} {rnd.choice(DETAILS)}".strip()
                form_data = {} if rnd.random() < 0.7 else {"note": rnd.choice(NOTES)[:40]}
                editor = owner or (rnd.choice(agents) if agents and rnd.random() < 0.5 else None)
                yield (first_id + offset, subject, rnd.choice(SOURCES), campaign, status_id, owner,
                       rnd.choice(PRIORITIES), contact, form_data, spam, callback_at, reminder_sent_at, created,
                       updated, editor, editor, 1 + rnd.randrange(4))

        columns = ("id", "subject", "source", "campaign_id", "status_id", "owner_id", "priority", "contact_id",
                   "form_data", "is_spam", "callback_at", "reminder_sent_at", "created_at", "updated_at",
                   "created_by_id", "updated_by_id", "version")
        with self.loader.fast_load(Case._meta.db_table):
            count = self.loader.load(Case._meta.db_table, columns, cases())
        reset_sequences(Case)
        return count

    # activities on the cases' timelines

    def make_activities(self):
        from centrala.activities.models import Activity

        rnd = self.random
        n = self.sizes.activities
        cases = len(self.case_contact)
        now = self.now
        agents = self.agents

        def activities():
            for _index in range(n):
                offset = rnd.randrange(cases)
                case_id = self.first_case + offset
                contact = self.case_contact[offset]
                age = self.case_created[offset]
                created = now - timedelta(seconds=rnd.randrange(age + 1) if age else 0)
                kind = rnd.choice(ACTIVITY_KINDS)
                author = self.case_owner[offset] or rnd.choice(agents)
                body, data = "", {}
                direction = "in" if rnd.random() < 0.5 else "out"
                number = self.contact_phone.get(contact, "+48600000000")
                if kind == "info":
                    data = {"field": "status", "label": "Status", "old": "New",
                            "new": rnd.choice(["In progress", "Booked", "No answer"])}
                elif kind == "note":
                    body = rnd.choice(NOTES)
                elif kind == "call":
                    data = {"direction": direction, "number": number, "duration": rnd.randrange(5, 900)}
                elif kind == "sms":
                    body = rnd.choice(NOTES)
                    data = {"direction": direction, "number": number}
                else:
                    body = rnd.choice(NOTES)
                    data = {"direction": direction, "subject": rnd.choice(TOPICS), "from": "customer@example.com",
                            "to": "desk@example.com"}
                    if direction == "in":
                        author = None
                yield (case_id, contact, kind, body, data, author or None, created)

        columns = ("case_id", "contact_id", "kind", "body", "data", "author_id", "created_at")
        with self.loader.fast_load(Activity._meta.db_table):
            count = self.loader.load(Activity._meta.db_table, columns, activities())
        reset_sequences(Activity)
        return count
