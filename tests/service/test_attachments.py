"""An attachment is stored only if it is what it claims to be (by content, not by name) and small
enough; every refusal names the file and says what to do."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image

from core.errors import DomainError
from service.attachments import inspect, inspect_all

from .files import HEIC_BYTES, jpeg_bytes, pdf_bytes, png_bytes, upload


def refusal(name: str, content: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        inspect(upload(name, content))
    return caught.value


def test_a_real_jpeg_png_and_pdf_are_accepted_as_their_types():
    assert inspect(upload("фото.JPG", jpeg_bytes())).content_type == "image/jpeg"
    assert inspect(upload("scan.png", png_bytes())).content_type == "image/png"
    checked = inspect(upload("договор.pdf", pdf_bytes()))
    assert (checked.content_type, checked.extension) == ("application/pdf", ".pdf")
    assert checked.content == pdf_bytes() or checked.content.startswith(b"%PDF")


def test_a_type_outside_the_list_is_refused_naming_what_is_accepted():
    error = refusal("setup.exe", b"MZ\x90\x00" + b"\x00" * 100)
    assert error.code == "attachment_type"
    assert "«setup.exe»" in error.message and "JPEG, PNG или PDF" in error.message


def test_a_pdf_renamed_to_jpg_is_refused_as_a_lying_extension():
    error = refusal("meter.jpg", pdf_bytes())
    assert error.code == "attachment_mismatch"
    assert error.message == "Файл «meter.jpg» назван как JPEG, но на самом деле это PDF. Прикрепите исходный файл."


def test_a_program_renamed_to_png_is_refused_as_not_a_png():
    error = refusal("photo.png", b"MZ\x90\x00\x03" + b"\x00" * 500)
    assert error.code == "attachment_mismatch"
    assert "не похоже на PNG" in error.message


def test_a_file_larger_than_the_setting_is_refused_with_both_sizes(settings):
    settings.SERVICE_ATTACHMENT_MAX_BYTES = 100 * 1024
    big = jpeg_bytes((400, 300), noise=True)
    assert len(big) > 100 * 1024
    error = refusal("big.jpg", big)
    assert error.code == "attachment_too_big"
    assert "можно не больше 0,1 МБ" in error.message and "«big.jpg»" in error.message


def test_an_iphone_heic_photo_is_refused_with_how_to_save_it_as_jpeg():
    error = refusal("IMG_0001.HEIC", HEIC_BYTES)
    assert error.code == "attachment_heic"
    assert "Наиболее совместимый" in error.message


def test_a_truncated_jpeg_is_refused_as_broken():
    error = refusal("half.jpg", jpeg_bytes((300, 200), noise=True)[:2000])
    assert error.code == "attachment_broken"
    assert "повреждён" in error.message


def test_a_password_protected_pdf_is_refused():
    assert refusal("secret.pdf", pdf_bytes(password="123")).code == "attachment_pdf_encrypted"


def test_an_empty_file_is_refused():
    assert refusal("empty.png", b"").code == "attachment_empty"


def test_more_files_than_allowed_are_refused(settings):
    settings.SERVICE_ATTACHMENT_MAX_FILES = 2
    with pytest.raises(DomainError, match="не больше 2 файлов"):
        inspect_all([upload(f"{n}.png", png_bytes()) for n in range(3)])


def test_a_picture_larger_than_the_pixel_limit_is_refused(settings):
    settings.SERVICE_ATTACHMENT_MAX_PIXELS = 1000
    assert refusal("wide.png", png_bytes((100, 100))).code == "attachment_too_many_pixels"


def test_a_photo_is_stored_without_its_exif_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    original = jpeg_bytes(exif=exif.tobytes())
    assert b"PhoneMaker" in original
    stored = inspect(upload("meter.jpg", original)).content
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (64, 48) and not image.getexif()


def test_bytes_appended_after_a_picture_do_not_survive():
    payload = b"<script>alert(1)</script>"
    stored = inspect(upload("meter.png", png_bytes() + payload)).content
    assert payload not in stored


def test_file_names_lose_paths_and_control_characters():
    assert inspect(upload("../../etc/\x00passwd.png", png_bytes())).name == "passwd.png"


@hsettings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(min_size=1, max_size=2048), name=st.sampled_from(["a.jpg", "a.jpeg", "a.png", "a.pdf"]))
def test_arbitrary_bytes_are_either_refused_or_stored_as_a_file_of_the_named_type(content, name):
    try:
        checked = inspect(upload(name, content))
    except DomainError as error:
        assert error.code.startswith("attachment_") and error.message
        return
    if checked.is_image:
        with Image.open(io.BytesIO(checked.content)) as image:
            image.load()
            assert image.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[checked.content_type]
    else:
        assert checked.content.lstrip()[:5] == b"%PDF-"


@hsettings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from([b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"%PDF-1.7\n"]), tail=st.binary(max_size=512))
def test_a_right_magic_number_on_garbage_is_not_enough(head, tail):
    name = {b"\xff": "x.jpg", b"\x89": "x.png", b"%": "x.pdf"}[head[:1]]
    with pytest.raises(DomainError):
        inspect(upload(name, head + tail))
