"""Sign in, sign out, switch language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate, check_for_language
from django.views.decorators.http import require_POST

from ladder.tenancy.actions import set_staff_locale
from ladder.web.desk import current_staff


class SignIn(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class SignOut(auth_views.LogoutView):
    pass


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Sets the language for this browser and, for staff, remembers it as theirs."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        return response
    staff = current_staff(request)
    if staff is not None:
        set_staff_locale(staff=staff, locale=language)
    activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
