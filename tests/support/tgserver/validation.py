"""What the Bot API checks before it accepts a message, reproduced for the test server.

The parsers follow the behaviour of tdlib's entity parsers (the code behind the real Bot API):
offsets in error messages are UTF-8 byte offsets into the text as sent, lengths are counted in
UTF-16 code units after entity parsing, and leading/trailing whitespace is trimmed before the
length and emptiness checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS_PER_ROW = 8
MAX_BUTTONS_TOTAL = 100
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256

INLINE_ACTION_FIELDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")


class ApiError(Exception):
    """A refusal as the Bot API words it; HTTP status equals ``error_code``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


@dataclass
class ParsedText:
    """Text after entity parsing and trimming, with Bot API style entities."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
}
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SPACE = b" \t\r\n\x0b\x0c"


class _Bytes:
    """A byte string that reads as NUL past its end, like the C string tdlib scans."""

    def __init__(self, data: bytes):
        self.data = data
        self.size = len(data)

    def __getitem__(self, i: int) -> int:
        return self.data[i] if i < self.size else 0


def _is_space(c: int) -> bool:
    return c != 0 and c in _SPACE


def _decode_html_entity(text: _Bytes, pos: int) -> tuple[str, int] | None:
    """Decode the entity at ``pos``; None when it is not one tdlib decodes (kept literally)."""
    end = pos + 1
    value = 0
    if text[end] == ord("#"):
        end += 1
        if text[end] == ord("x"):
            end += 1
            while chr(text[end]) in "0123456789abcdefABCDEF" and text[end]:
                value = value * 16 + int(chr(text[end]), 16)
                end += 1
                if value >= 0x10FFFF:
                    return None
        else:
            while ord("0") <= text[end] <= ord("9"):
                value = value * 10 + text[end] - ord("0")
                end += 1
                if value >= 0x10FFFF:
                    return None
        if value == 0 or end - pos >= 10:
            return None
        if 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        while chr(text[end]).isascii() and chr(text[end]).isalpha() and text[end]:
            end += 1
        name = text.data[pos + 1 : end]
        if name not in _NAMED_ENTITIES:
            return None
        char = _NAMED_ENTITIES[name]
    if text[end] == ord(";"):
        end += 1
    return char, end


def parse_html(source: str) -> ParsedText:
    """Parse Telegram's HTML subset; raises ApiError exactly where the Bot API would."""
    raw = source.encode("utf-8")
    text = _Bytes(raw)
    out: list[str] = []
    utf16 = 0
    entities: list[dict[str, Any]] = []
    # tag, argument, utf16 offset, expandable, character position in the output
    stack: list[tuple[str, str, int, bool, int]] = []
    chars = 0
    i = 0

    def fail(message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    def emit(chunk: str) -> None:
        nonlocal utf16, chars
        out.append(chunk)
        utf16 += utf16_len(chunk)
        chars += len(chunk)

    while i < text.size:
        c = text[i]
        if c == ord("&"):
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                emit(decoded[0])
                i = decoded[1]
                continue
            match = re.match(rb"&([A-Za-z][A-Za-z0-9]*);", raw[i:])
            if match:
                # tdlib would show such an entity literally; a bot never means that, so the
                # test server refuses it instead of letting "&nbsp;" reach a user's screen.
                name = match.group(0).decode()
                raise fail(f'Unknown HTML entity "{name}" at byte offset {i}')
        if c != ord("<"):
            start = i
            i += 1
            while i < text.size and text[i] not in (ord("<"), ord("&")):
                i += 1
            emit(raw[start:i].decode("utf-8"))
            continue

        begin = i
        i += 1
        if text[i] != ord("/"):
            while not _is_space(text[i]) and text[i] != ord(">") and text[i] != 0:
                i += 1
            if text[i] == 0:
                raise fail(f"Unclosed start tag at byte offset {begin}")
            tag = raw[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise fail(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            expandable = False
            while text[i] != ord(">"):
                while _is_space(text[i]):
                    i += 1
                if text[i] == ord(">"):
                    break
                if text[i] == 0:
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {begin}')
                attr_begin = i
                while not _is_space(text[i]) and text[i] not in (ord("="), ord(">"), 0):
                    i += 1
                attr_name = raw[attr_begin:i].decode("utf-8", "replace")
                if not attr_name:
                    raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while _is_space(text[i]):
                    i += 1
                if text[i] != ord("="):
                    if tag == "blockquote" and attr_name.lower() == "expandable":
                        expandable = True
                    continue
                i += 1
                while _is_space(text[i]):
                    i += 1
                if text[i] == 0:
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value_chars: list[str] = []
                if text[i] not in (ord("'"), ord('"')):
                    token_begin = i
                    while chr(text[i]).isascii() and (chr(text[i]).isalnum() or text[i] in b".-"):
                        if text[i] == 0:
                            break
                        i += 1
                    value = raw[token_begin:i].decode("utf-8", "replace").lower()
                    if not _is_space(text[i]) and text[i] != ord(">"):
                        raise fail(f"Unexpected end of name token at byte offset {token_begin}")
                else:
                    quote = text[i]
                    i += 1
                    value_begin = i
                    while text[i] != quote and text[i] != 0:
                        if text[i] == ord("&"):
                            decoded = _decode_html_entity(text, i)
                            if decoded is not None:
                                value_chars.append(raw[value_begin:i].decode("utf-8", "replace"))
                                value_chars.append(decoded[0])
                                i = decoded[1]
                                value_begin = i
                                continue
                        i += 1
                    value_chars.append(raw[value_begin:i].decode("utf-8", "replace"))
                    value = "".join(value_chars)
                    if text[i] == quote:
                        i += 1
                if text[i] == 0:
                    raise fail(f"Unclosed start tag at byte offset {begin}")
                attr = attr_name.lower()
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append((tag, argument, utf16, expandable, chars))
            i += 1
            continue

        # an end tag
        if not stack:
            raise fail(f"Unexpected end tag at byte offset {begin}")
        i += 1
        while not _is_space(text[i]) and text[i] != ord(">") and text[i] != 0:
            i += 1
        end_tag = raw[begin + 2 : i].decode("utf-8", "replace")
        while _is_space(text[i]):
            i += 1
        if text[i] != ord(">"):
            raise fail(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, expandable, char_pos = stack.pop()
        if end_tag and end_tag.lower() != tag:
            raise fail(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        i += 1
        length = utf16 - offset
        if length <= 0:
            continue
        entity: dict[str, Any] = {
            "type": _HTML_ENTITY_TYPES[tag],
            "offset": offset,
            "length": length,
        }
        if tag == "a":
            entity["url"] = argument or "".join(out)[char_pos:]
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = argument
        elif tag == "blockquote" and expandable:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and argument and stack and stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language
            entity = {"type": "pre", "offset": offset, "length": length, "language": argument}
        entities.append(entity)

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return _trimmed("".join(out), _merge_pre_code(entities))


def _merge_pre_code(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the outer plain pre when an inner pre carries the language of the same span."""
    result = []
    for entity in entities:
        if (
            entity["type"] == "pre"
            and "language" not in entity
            and any(
                other is not entity
                and other["type"] == "pre"
                and other.get("language")
                and other["offset"] == entity["offset"]
                and other["length"] == entity["length"]
                for other in entities
            )
        ):
            continue
        result.append(entity)
    return result


_TRIM = " \t\r\n\x0b\x0c\x00"


def _trimmed(text: str, entities: list[dict[str, Any]]) -> ParsedText:
    """Trim surrounding whitespace as Telegram does, moving and clipping entities to match."""
    stripped = text.lstrip(_TRIM)
    left = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(_TRIM)
    total = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    result.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(stripped, result)


def parse_text(text: str, parse_mode: str | None, entities_json: str | None = None) -> ParsedText:
    """Apply parse_mode (or explicit entities) the way the Bot API does."""
    if entities_json:
        try:
            entities = json.loads(entities_json)
        except ValueError:
            raise bad_request("can't parse entities JSON object") from None
        if not isinstance(entities, list):
            raise bad_request("can't parse entities: expected an Array of MessageEntity")
        return _trimmed(text, [e for e in entities if isinstance(e, dict) and "type" in e])
    mode = (parse_mode or "").lower()
    if mode == "":
        return _trimmed(text, [])
    if mode == "html":
        return parse_html(text)
    if mode in ("markdown", "markdownv2"):
        # Telegram takes these; the bot sends HTML only, so this server models HTML only and
        # fails a test that sends Markdown rather than letting it through unchecked.
        raise bad_request("unsupported parse_mode: this test server checks HTML only")
    raise bad_request("unsupported parse_mode")


def check_text_length(parsed: ParsedText) -> None:
    """The checks Telegram makes on a message text once entities are parsed and trimmed."""
    if not parsed.text:
        raise bad_request("message must be non-empty")
    if utf16_len(parsed.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def check_caption(
    caption: str | None, parse_mode: str | None, entities_json: str | None = None
) -> ParsedText:
    if not caption:
        return ParsedText("", [])
    parsed = parse_text(caption, parse_mode, entities_json)
    if utf16_len(parsed.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return parsed


# --------------------------------------------------------------------------- keyboards


def parse_reply_markup(raw: str | None) -> dict[str, Any] | None:
    """Validate a JSON-encoded reply_markup; returns the parsed dict (None when absent)."""
    if raw is None or raw == "":
        return None
    try:
        markup = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request('can\'t find field "inline_keyboard"')
    return markup


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    total = 0
    for row in rows:
        if not isinstance(row, list):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise bad_request("reply markup is too long")
        total += len(row)
        for button in row:
            check_inline_button(button)
    if total > MAX_BUTTONS_TOTAL:
        raise bad_request("reply markup is too long")


def check_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise bad_request(prefix + 'Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    # An empty callback_data or url counts as absent, as on the real Bot API.
    actions = [f for f in INLINE_ACTION_FIELDS if f in button and button[f] not in (None, "")]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Telegram silently keeps one of them; a bot that sends two has a bug either way.
        raise bad_request(prefix + "exactly one of the optional fields must be used")
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request(prefix + 'Field "callback_data" must be of type String')
        if len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            label = button if isinstance(button, str) else (button or {}).get("text")
            if not isinstance(label, str) or not label.strip():
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )


def keyboard_buttons(markup: dict[str, Any] | None) -> list[list[tuple[str, str | None]]]:
    """Rows of (label, callback_data or url) for an inline keyboard."""
    if not markup or "inline_keyboard" not in markup:
        return []
    rows = []
    for row in markup["inline_keyboard"]:
        rows.append([(b["text"], b.get("callback_data") or b.get("url") or None) for b in row])
    return rows


# --------------------------------------------------------------------------- commands


def parse_commands(raw: str | None) -> list[tuple[str, str]]:
    if raw is None or raw == "":
        return []
    try:
        commands = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse commands JSON object") from None
    if not isinstance(commands, list):
        raise bad_request("expected an Array of BotCommand")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    result = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: expected an Object")
        command = item.get("command")
        description = item.get("description")
        if not isinstance(command, str) or not isinstance(description, str):
            raise bad_request("BOT_COMMAND_INVALID")
        command = command.removeprefix("/")
        if not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= MAX_COMMAND_DESCRIPTION_LENGTH:
            raise bad_request("BOT_COMMAND_INVALID")
        result.append((command, description))
    return result


def check_language_code(code: str | None) -> str:
    if not code:
        return ""
    if not _LANGUAGE_RE.match(code):
        raise bad_request("invalid language code specified")
    return code
