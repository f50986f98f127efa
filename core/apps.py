from pathlib import Path

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Общее"


class CaptchaConfig(AppConfig):
    """django-simple-captcha (models, views, migrations) without the files beside its code.

    Its Russian catalogue translates Django's own "This field is required." differently, and app
    catalogues outrank Django's, so every required field of the site would change its wording.
    """

    name = "captcha"
    label = "captcha"
    verbose_name = "CAPTCHA"
    default = False  # named in INSTALLED_APPS; "core" itself stays CoreConfig
    path = str(Path(__file__).resolve().parent / "captcha_app")
