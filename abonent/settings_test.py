"""Settings for the test suite: the embedded defaults plus the CAPTCHA's test mode.

django-simple-captcha reads ``CAPTCHA_TEST_MODE`` once at import, so it is set here, before Django
starts, and nowhere else: with it, the answer ``PASSED`` passes (a wrong answer still fails), which
lets HTTP and browser tests sign up without reading the picture.
"""

from .settings import *  # noqa: F403

CAPTCHA_TEST_MODE = True
