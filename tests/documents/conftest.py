"""Documents tests read the PDFs back with real tools: poppler (pdftotext, pdftoppm) and zbar (pyzbar).

Without the tools or the DejaVu fonts the tests that need them are skipped, unless REQUIRE_BROWSER=1
(CI), where a missing tool is a failure (the same rule as tests/browser).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from billing.services import post_payment
from documents import fonts
from metering.models import Reading
from tests.billing import conftest as billing_fixtures
from tests.factories import add_submission

# The billing tests' fixtures: closing periods, norms and key rates, Decimal trapping floats.
close = billing_fixtures.close
norms_and_rates = billing_fixtures.norms_and_rates
billing_traps_floats = billing_fixtures.billing_traps_floats


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def pdf_tools():
    for tool in ("pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is not installed (apt-get install poppler-utils)")
    if fonts.missing_fonts():
        _unavailable("DejaVu fonts are missing (apt-get install fonts-dejavu-core)")


@pytest.fixture
def zbar():
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as error:  # OSError: libzbar0 missing
        _unavailable(f"zbar is not available ({error}; apt-get install libzbar0)")
    return pyzbar


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (poppler, layout kept), with non-breaking spaces made plain."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8").replace("\u00a0", " ")


def pdf_qr_codes(pdf: bytes, zbar_module) -> list[str]:
    """Every QR on the PDF's first page, decoded by zbar from a 200 dpi rendering."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["pdftoppm", "-r", "200", "-gray", "-png", "-f", "1", "-l", "1", "-", f"{folder}/page"],
            input=pdf,
            check=True,
        )
        [image] = sorted(Path(folder).glob("page*.png"))
        with Image.open(image) as picture:
            return [code.data.decode("utf-8") for code in zbar_module.decode(picture)]


@pytest.fixture
def november_bill(meter, close):
    """``meter``'s account: 250 kWh in November (1 500,00), 300,00 paid on 25.11: bill № 2026116300000101."""
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    post_payment(account=meter.account, amount="300.00", paid_on=dt.date(2026, 11, 25), reference="pay-nov")
    close("2026-11")
    return meter.account.bills.get()
