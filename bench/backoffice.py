"""Group ``backoffice``: how long staff wait for the search and the customer card, and what checking a
phone photo attached to a request costs.

* ``search_<kind>_ms`` -- median wall time of ``backoffice.search.find`` over 15 calls for an account
  number, a phone spelled ``8 (999) ...``, a meter serial's beginning (all but its last character:
  the slow path; an exact serial goes through the index), and address words, on the bench
  database (``--accounts`` synthetic accounts, default 10,000; a year of readings each). Target for
  each: < 200 ms (a person typing into the search box).
* ``customer_card_ms`` / ``customer_card_queries`` -- ``backoffice.card.customer_card`` of one
  synthetic customer (one account, one meter, a year of readings): median time and SQL statements.
* ``attachment_photo_ms`` -- ``service.attachments.inspect`` of a 12-megapixel JPEG (4000x3000, a
  phone camera's size): sniffing, a full decode and re-encoding without metadata, one core.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

from .common import Context, Figure, log

RUNS = 15


def _median_ms(call: Callable[[], object], runs: int = RUNS) -> float:
    call()  # warm caches and the connection
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(ctx: Context) -> list[Figure]:
    ctx.database()
    from .readings import seed

    seed(ctx)  # skips accounts an earlier group already seeded
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice import search
    from backoffice.card import customer_card
    from customers.models import Account, Customer

    # Halfway through the accounts, off the round numbers (whose house and flat are 1).
    account = Account.objects.select_related("customer", "premise").order_by("number")[ctx.options.accounts // 2 + 123]
    customer = Customer.objects.get(pk=account.customer_id)
    customer.phone = "+79995550101"
    customer.save(update_fields=["phone"])
    serial = account.meters.get().serial[:-1]  # its beginning: the index cannot help
    _town, street, house, flat = (part.strip() for part in account.premise.address.split(","))
    queries = {
        "account": account.number,
        "phone": "8 (999) 555-01-01",
        "serial": serial,
        "address": f"{street.split()[-1].lower()} {house} {flat}",  # "синтетическая д. 123 кв. 45"
    }
    figures = []
    for kind, text in queries.items():
        found = search.find(text)
        if customer.pk not in found.customer_ids:
            log(f"backoffice: search {kind} {text!r} did not find customer {customer.pk}")
        ms = _median_ms(lambda text=text: search.find(text))
        log(f"backoffice: search {kind} {text!r}: {len(found.customer_ids)} customers, {ms:.1f} ms")
        figures.append(Figure(f"search_{kind}_ms", ms, "ms", "<200"))
    with CaptureQueriesContext(connection) as captured:
        customer_card(customer)
    figures.append(Figure("customer_card_ms", _median_ms(lambda: customer_card(customer)), "ms"))
    figures.append(Figure("customer_card_queries", len(captured.captured_queries), "queries"))
    figures.append(Figure("attachment_photo_ms", _photo_ms(), "ms"))
    return figures


def _photo_ms() -> float:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from service.attachments import inspect

    # A camera-like picture: smooth gradients with sensor noise, 12 MP, JPEG quality 90.
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    noise = Image.effect_noise((4000, 3000), 12)
    picture = Image.merge("RGB", (gradient, Image.blend(gradient, noise, 0.3), noise))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    content = out.getvalue()
    log(f"backoffice: photo {len(content) / 1e6:.1f} MB")
    return _median_ms(lambda: inspect(SimpleUploadedFile("photo.jpg", content)), runs=5)
