"""SMS as infrastructure: ``send_sms`` goes through ``SMS_BACKEND``; segment counting as carriers charge."""

import io
import json

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from ediary.sms import SmsMessage, send_sms, sms_segments
from ediary.sms.backends import console, file, locmem


def test_send_sms_uses_the_configured_backend_locmem_keeps_an_outbox(settings):
    settings.SMS_SENDER = "Школа"
    message = send_sms("+79161234567", "Код подтверждения: 123456")

    assert locmem.outbox == [message]
    assert message == SmsMessage(to="+79161234567", text="Код подтверждения: 123456", sender="Школа")
    assert send_sms("+79161234568", "Ещё", sender="Гимназия").sender == "Гимназия"
    assert len(locmem.outbox) == 2


def test_console_backend_writes_to_a_stream():
    stream = io.StringIO()
    console.SmsBackend(stream=stream).send(SmsMessage(to="+79161234567", text="Завтра нет уроков", sender="ediary"))

    written = stream.getvalue()
    assert "+79161234567" in written
    assert "Завтра нет уроков" in written
    assert "1 segment" in written


def test_console_backend_through_settings_prints_to_stdout(settings, capsys):
    settings.SMS_BACKEND = "ediary.sms.backends.console.SmsBackend"
    send_sms("+79161234567", "Проверка")

    assert "Проверка" in capsys.readouterr().out
    assert locmem.outbox == []


def test_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_BACKEND = "ediary.sms.backends.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    send_sms("+79161234567", "Первое")
    send_sms("+79161234568", "Второе " * 20)

    files = list((tmp_path / "sms").glob("sms-*.jsonl"))
    assert len(files) == 1
    records = [json.loads(line) for line in files[0].read_text(encoding="utf-8").splitlines()]
    assert [(r["to"], r["text"].strip(), r["segments"]) for r in records] == [
        ("+79161234567", "Первое", 1),
        ("+79161234568", ("Второе " * 20).strip(), 3),
    ]
    assert all(r["sender"] == settings.SMS_SENDER and r["sent_at"] for r in records)


def test_file_backend_takes_an_explicit_path(tmp_path):
    file.SmsBackend(path=str(tmp_path)).send(SmsMessage(to="+7", text="x", sender="s"))
    assert len(list(tmp_path.glob("*.jsonl"))) == 1


def test_a_phone_number_object_is_sent_in_e164():
    send_sms(PhoneNumber.from_string("8 (916) 123-45-67", region="RU"), "Код")
    assert locmem.outbox[0].to == "+79161234567"


@pytest.mark.parametrize("to, text", [("", "Код"), ("  ", "Код"), ("+79161234567", "")])
def test_a_message_needs_a_recipient_and_a_text(to, text):
    with pytest.raises(ValueError):
        send_sms(to, text)
    assert locmem.outbox == []


@pytest.mark.parametrize(
    "text, segments",
    [
        ("я" * 70, 1),  # Cyrillic goes as UCS-2: 70 characters in one SMS
        ("я" * 71, 2),  # then parts of 67
        ("я" * 134, 2),
        ("я" * 135, 3),
        ("a" * 160, 1),  # the GSM alphabet: 160 in one SMS
        ("a" * 161, 2),  # then parts of 153
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 69 + "я", 1),  # one Cyrillic letter makes the whole text UCS-2
        ("a" * 71 + "я", 2),
        ("é" * 160, 1),  # accented letters of the GSM alphabet stay 7-bit
        ("€" * 80, 1),  # the extension table takes two septets a character
        ("€" * 81, 2),
        ("`" * 70, 1),  # a backtick is not in the GSM alphabet
        ("`" * 71, 2),
        ("😀" * 35, 1),  # outside the BMP a character takes two UTF-16 units
        ("😀" * 36, 2),
        ("", 1),
    ],
)
def test_segments(text, segments):
    assert sms_segments(text) == segments
    assert SmsMessage(to="+79161234567", text=text, sender="ediary").segments == segments


def test_a_two_unit_character_is_not_split_between_parts():
    # After 152 septets, "€" (2 septets) does not fit the first 153-septet part: it starts the second.
    # 306 septets would fit two parts if they could be cut anywhere; they cannot.
    assert sms_segments("a" * 152 + "€" + "a" * 151) == 2
    assert sms_segments("a" * 152 + "€" + "a" * 152) == 3
