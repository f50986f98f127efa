"""Demo FAQ entries and two demo requests (one answered and closed, one waiting with a meter photo).

Idempotent: entries are matched by question, requests by their demo token.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

from PIL import Image, ImageDraw

from customers.models import Account
from identity.models import User
from metering.models import Meter
from metering.selectors import last_readings

from . import services
from .attachments import inspect
from .models import FaqEntry, Request

H, B, ALL = FaqEntry.Audience.HOUSEHOLD, FaqEntry.Audience.BUSINESS, FaqEntry.Audience.ALL

FAQ = [
    (H, "Показания", "Когда передавать показания счётчика?",
     "С 15 по 25 число каждого месяца (в личном кабинете видно, открыт ли приём). Показания, переданные "
     "позже, учитываются в следующем месяце."),
    (H, "Показания", "Нужно ли вводить цифры после запятой?",
     "Нет. Учитываются только цифры до запятой: если на счётчике 012345,6 — введите 12345. Если вы ошиблись, "
     "исправить показания можно в тот же день, позже — через обращение «Исправление показаний» с фото счётчика."),
    (H, "Показания", "Что будет, если не передать показания?",
     "Начисление до трёх месяцев подряд идёт по среднему потреблению за последние полгода, затем — по нормативу. "
     "Когда вы передадите показания, начисления пересчитаются по факту."),
    (H, "Счётчик", "Как заказать поверку или замену счётчика?",
     "В разделе «Обращения» выберите «Внеочередная поверка счётчика» или «Замена счётчика», укажите удобные даты "
     "и телефон — специалист свяжется с вами. Дата следующей поверки видна на странице лицевого счёта."),
    (H, "Оплата", "До какого числа оплачивать квитанцию?",
     "До 10 числа месяца, следующего за расчётным, с 1 марта 2026 года — до 15 числа. После 30 дней просрочки "
     "начисляются пени."),
    (H, "Оплата", "Как считаются пени?",
     "С 31-го дня просрочки — 1/300 ключевой ставки Банка России за каждый день от неоплаченной суммы, с 91-го "
     "дня — 1/130. Прогноз пеней показан на странице лицевого счёта."),
    (ALL, "Личный кабинет", "Как добавить лицевой счёт в личный кабинет?",
     "На странице «Мои счета» нажмите «Добавить лицевой счёт» и введите номер счёта и код с квитанции "
     "или заводской номер счётчика."),
    (ALL, "Личный кабинет", "Не могу войти: пишет «слишком много попыток»",
     "Подождите 15 минут или позвоните на горячую линию: оператор проверит, что номер ваш, и снимет блокировку."),
    (B, "Договор", "Как заключить договор энергоснабжения для организации?",
     "Подайте обращение «Вопрос по договору» с темой «заключение договора» и приложите сканы документов в PDF. "
     "Менеджер пришлёт проект договора."),
    (B, "Документы", "Где взять акт сверки?",
     "Акт сверки за любой период формируется на странице «Начисления и оплаты» лицевого счёта (PDF или Excel). "
     "Если нужен акт с подписью, подайте обращение «Вопрос по договору» с темой «акт сверки»."),
]  # fmt: skip

DEMO_TOKENS = {
    "question": uuid.UUID("00000000-0000-4000-8000-00000000d001"),
    "correction": uuid.UUID("00000000-0000-4000-8000-00000000d002"),
}


def seed_faq() -> None:
    for position, (audience, topic, question, answer) in enumerate(FAQ, start=1):
        FaqEntry.objects.get_or_create(
            question=question,
            defaults={"audience": audience, "topic": topic, "answer": answer, "position": position * 10},
        )


class _Upload(io.BytesIO):
    def __init__(self, name: str, content: bytes) -> None:
        super().__init__(content)
        self.name, self.size = name, len(content)


def meter_photo(text: str = "012345") -> bytes:
    """A picture of a meter's display, for demos and tests."""
    image = Image.new("RGB", (480, 240), (235, 235, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 80, 440, 160), fill=(20, 20, 20))
    draw.text((120, 110), text, fill=(240, 240, 240))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_requests(*, operator: Any) -> None:
    ivanov = User.objects.filter(phone="+79990000001").first()
    petrova = User.objects.filter(phone="+79990000002").first()
    if ivanov is not None and not Request.objects.filter(client_token=DEMO_TOKENS["question"]).exists():
        account = Account.objects.filter(number="6300000001").first()
        request = services.file_request(
            user=ivanov,
            kind=Request.Kind.QUESTION,
            subject="Вопрос: тарифы",
            text="Выгоден ли мне двухзонный счётчик? Плита газовая, дома днём почти никого нет.",
            account=account,
            details={"topic": "tariffs"},
            client_token=DEMO_TOKENS["question"],
        )
        if operator is not None:
            services.answer_request(
                request_id=request.pk,
                staff=operator,
                text="Здравствуйте! При вашем расходе ночью около трети энергии двухзонный тариф сэкономит "
                "примерно 10 %. Замену счётчика можно заказать через обращение «Замена счётчика».",
                close=True,
                tell_customer=False,  # demo history, not news for the demo customer
            )
    if petrova is not None and not Request.objects.filter(client_token=DEMO_TOKENS["correction"]).exists():
        meter = Meter.objects.filter(account__links__user=petrova).order_by("pk").first()
        if meter is None:
            return
        last = last_readings([meter])[meter.pk]
        right = {zone: (last[zone].value if zone in last else 0) for zone in meter.zones}
        services.file_request(
            user=petrova,
            kind=Request.Kind.CORRECTION,
            subject=f"Исправление показаний № {meter.serial}",
            text="Передала показания ночной зоны с лишней цифрой.",
            meter=meter,
            details={"values": right},
            files=[inspect(_Upload("schetchik.jpg", meter_photo(" ".join(f"{v:06d}" for v in right.values()))))],
            client_token=DEMO_TOKENS["correction"],
        )
