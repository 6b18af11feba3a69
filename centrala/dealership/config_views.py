"""Administrators configure contact goals, departments and ignore reasons (DLR-01)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from centrala.accounts.models import SUPERVISOR_ROLES, Role, User
from centrala.accounts.permissions import requires

from . import actions
from .models import Channel, ContactGoal, Department, IgnoreReason


class GoalForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices, widget=forms.RadioSelect)
    department = forms.ModelChoiceField(label=gettext_lazy("Department"), queryset=Department.objects.all())
    specialists = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Specialists"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=User.objects.filter(is_active=True, role__in=[Role.SPECIALIST, *SUPERVISOR_ROLES]),
        help_text=gettext_lazy("They are notified of the goal's traffic when the desk chooses nobody, and "
                               "process the traffic of the goal's department."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class DepartmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    code = forms.CharField(label=gettext_lazy("Code"), max_length=30, help_text=gettext_lazy("e.g. sales, service"))
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class ReasonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Reason"), max_length=100)
    requires_comment = forms.BooleanField(
        label=gettext_lazy("Requires a comment"), required=False,
        help_text=gettext_lazy("e.g. “Other”: the employee must say why in a comment."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


def _apply_errors(form, error):
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@requires("manage_dealership")
@require_GET
def goals(request):
    items = ContactGoal.objects.select_related("department").prefetch_related("specialists")
    departments = Department.objects.annotate(goal_count=Count("goals"))
    return render(request, "dealership/goals.html", {"goals": items, "departments": departments})


def _edit(request, obj, form_class, initial, save, template_title, back):
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": saved.name})
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render(request, "dealership/config_form.html",
                  {"form": form, "title": template_title, "back": back, "obj": obj}, status=status)


def _goal(request, goal):
    initial = {"active": True}
    if goal.pk:
        initial = {"name": goal.name, "channel": goal.channel, "department": goal.department_id,
                   "specialists": list(goal.specialists.all()), "active": goal.active}
    title = goal.name if goal.pk else _("New contact goal")
    return _edit(request, goal, GoalForm, initial,
                 lambda data: actions.do_save_goal(request.user, goal, **data), title, "dealership:goals")


@requires("manage_dealership")
def goal_create(request):
    return _goal(request, ContactGoal())


@requires("manage_dealership")
def goal_edit(request, goal_id):
    return _goal(request, get_object_or_404(ContactGoal, pk=goal_id))


def _department(request, department):
    initial = {"active": True}
    if department.pk:
        initial = {"name": department.name, "code": department.code, "active": department.active}
    title = department.name if department.pk else _("New department")
    return _edit(request, department, DepartmentForm, initial,
                 lambda data: actions.do_save_department(request.user, department, **data), title, "dealership:goals")


@requires("manage_dealership")
def department_create(request):
    return _department(request, Department())


@requires("manage_dealership")
def department_edit(request, department_id):
    return _department(request, get_object_or_404(Department, pk=department_id))


@requires("manage_dealership")
@require_GET
def reasons(request):
    return render(request, "dealership/reasons.html", {"reasons": IgnoreReason.objects.annotate(used=Count("traffic"))})


def _reason(request, reason):
    initial = {"active": True}
    if reason.pk:
        initial = {"name": reason.name, "requires_comment": reason.requires_comment, "active": reason.active}
    title = reason.name if reason.pk else _("New ignore reason")
    return _edit(request, reason, ReasonForm, initial,
                 lambda data: actions.do_save_ignore_reason(request.user, reason, **data), title, "dealership:reasons")


@requires("manage_dealership")
def reason_create(request):
    return _reason(request, IgnoreReason())


@requires("manage_dealership")
def reason_edit(request, reason_id):
    return _reason(request, get_object_or_404(IgnoreReason, pk=reason_id))
