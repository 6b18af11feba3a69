"""Administrators configure contact goals, departments and ignore reasons (DLR-01)."""

from django import forms
from django.forms.models import model_to_dict
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from centrala.accounts.forms import ActionErrorsMixin
from centrala.accounts.models import SUPERVISOR_ROLES, Role, User
from centrala.accounts.permissions import requires

from . import actions
from .models import Channel, ContactGoal, Department, IgnoreReason


class GoalForm(ActionErrorsMixin, forms.Form):
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


class DepartmentForm(ActionErrorsMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    code = forms.CharField(label=gettext_lazy("Code"), max_length=30, help_text=gettext_lazy("e.g. sales, service"))
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class ReasonForm(ActionErrorsMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Reason"), max_length=100)
    requires_comment = forms.BooleanField(
        label=gettext_lazy("Requires a comment"), required=False,
        help_text=gettext_lazy("e.g. “Other”: the employee must say why in a comment."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


@requires("manage_dealership")
@require_GET
def goals(request):
    items = ContactGoal.objects.select_related("department").prefetch_related("specialists")
    departments = Department.objects.annotate(goal_count=Count("goals"))
    return render(request, "dealership/goals.html", {"goals": items, "departments": departments})


def _initial(obj, form_class):
    """The form's fields as `obj` has them; a new object starts from the form's own initial values."""
    return model_to_dict(obj, fields=list(form_class.base_fields)) if obj.pk else {}


def _edit(request, obj, form_class, save, new_title, back):
    """Create or edit one configuration object: save(actor, obj, **cleaned_data) is its action."""
    form = form_class(request.POST if request.method == "POST" else None, initial=_initial(obj, form_class))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(request.user, obj, **form.cleaned_data)
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": saved.name})
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    title = obj.name if obj.pk else new_title
    return render(request, "dealership/config_form.html",
                  {"form": form, "title": title, "back": back, "obj": obj}, status=status)


@requires("manage_dealership")
def goal_create(request):
    return _edit(request, ContactGoal(), GoalForm, actions.do_save_goal, _("New contact goal"), "dealership:goals")


@requires("manage_dealership")
def goal_edit(request, goal_id):
    return _edit(request, get_object_or_404(ContactGoal, pk=goal_id), GoalForm, actions.do_save_goal,
                 _("New contact goal"), "dealership:goals")


@requires("manage_dealership")
def department_create(request):
    return _edit(request, Department(), DepartmentForm, actions.do_save_department, _("New department"),
                 "dealership:goals")


@requires("manage_dealership")
def department_edit(request, department_id):
    return _edit(request, get_object_or_404(Department, pk=department_id), DepartmentForm,
                 actions.do_save_department, _("New department"), "dealership:goals")


@requires("manage_dealership")
@require_GET
def reasons(request):
    return render(request, "dealership/reasons.html", {"reasons": IgnoreReason.objects.annotate(used=Count("traffic"))})


@requires("manage_dealership")
def reason_create(request):
    return _edit(request, IgnoreReason(), ReasonForm, actions.do_save_ignore_reason, _("New ignore reason"),
                 "dealership:reasons")


@requires("manage_dealership")
def reason_edit(request, reason_id):
    return _edit(request, get_object_or_404(IgnoreReason, pk=reason_id), ReasonForm, actions.do_save_ignore_reason,
                 _("New ignore reason"), "dealership:reasons")
