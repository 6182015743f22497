"""Chinese for every message the forms give.

The forms speak English (one text per rule, see ``workflow.errors``); the web layer shows
Chinese by default. Fixed messages are looked up in :data:`MESSAGES_ZH`; messages carrying a
number or a list of choices are matched by the regular expressions of :data:`PATTERNS_ZH`,
whose replacement keeps the captured parts (``\\1``). ``tests/test_forms.py`` checks that every
message the tests provoke has a translation here.
"""
from __future__ import annotations

import re

MESSAGES_ZH: dict[str, str] = {
    # marshmallow's own messages
    "Missing data for required field.": "此项必填。",
    "Field may not be null.": "此项不能为空值。",
    "Invalid value.": "取值无效。",
    "Invalid input type.": "输入类型无效。",
    "Unknown field.": "未知字段。",
    "Not a valid string.": "不是有效的文本。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid number.": "不是有效的数字。",
    "Number too large.": "数字过大。",
    "Special numeric values (nan or infinity) are not permitted.": "不允许使用特殊数值（NaN 或无穷大）。",
    "Not a valid boolean.": "不是有效的是/否值。",
    "Not a valid date.": "不是有效的日期（格式：年-月-日，如 2026-03-01）。",
    "Not a valid list.": "不是有效的列表。",
    "Not a valid mapping type.": "不是有效的键值对。",
    # workflow.errors
    "Some fields are invalid.": "部分填写内容有误。",
    # workflow.forms.fields
    "May not be blank.": "不能为空白。",
    "Not a valid unified social credit code (check character wrong).":
        "不是有效的统一社会信用代码（校验码错误）。",
    "Not a valid phone number (mobile 1xxxxxxxxxx or landline such as 0591-87654321).":
        "不是有效的电话号码（手机号 1xxxxxxxxxx 或固定电话如 0591-87654321）。",
    "Not a valid area code.": "不是有效的行政区划代码。",
    # workflow.forms.applications
    "Hazardous chemicals and fertiliser may not take the commitment path.":
        "危险化学品和化肥产品不适用告知承诺审批。",
    "Not a food category of this kind.": "该类别不属于所选的食品/食品添加剂类别。",
    "Not a valid food production licence number (SC).": "不是有效的食品生产许可证编号（SC）。",
    "Give the new particulars: company name, production address or food names.":
        "请填写变更后的内容：企业名称、生产地址或食品品种。",
    "Not a known special equipment kind.": "不是已知的特种设备种类。",
    "Not a variety code of this equipment kind.": "该品种代码不属于所选的设备种类。",
    "Not a valid licence plate number (such as 闽A12345 or 粤B·D12345).":
        "不是有效的车牌号码（如 闽A12345 或 粤B·D12345）。",
    "Not a valid vehicle identification number (17 characters, no I, O or Q).":
        "不是有效的车辆识别代号（17 位，不含 I、O、Q）。",
    "Each plate number may appear only once.": "同一车牌号码只能出现一次。",
    # workflow.forms.tasks
    "List every item the applicant must correct.": "请一次性列明申请人需要补正的全部内容。",
    "On-site inspection needs 2 to 4 different inspectors.": "现场核查需要 2 至 4 名不同的核查人员。",
    "Expert review needs 3 to 9 different experts.": "专家评审需要 3 至 9 名不同的专家。",
    "Register at least one vehicle.": "至少登记一辆车。",
}

PATTERNS_ZH: list[tuple[str, str]] = [
    (r"^Must be one of: (.*)\.$", r"必须是以下之一：\1。"),
    (r"^Longer than maximum length (\d+)\.$", r"长度不能超过\1。"),
    (r"^Shorter than minimum length (\d+)\.$", r"长度不能少于\1。"),
    (r"^Length must be between (\d+) and (\d+)\.$", r"长度必须在\1到\2之间。"),
    (r"^Length must be (\d+)\.$", r"长度必须为\1。"),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
     r"必须大于或等于\1且小于或等于\2。"),
    (r"^Must be greater than or equal to (\S+)\.$", r"必须大于或等于\1。"),
    (r"^Must be less than or equal to (\S+)\.$", r"必须小于或等于\1。"),
    (r"^Must be exactly (\d+) digits\.$", r"必须是\1位数字。"),
]

_COMPILED = [(re.compile(pattern), template) for pattern, template in PATTERNS_ZH]


def translate(message: str, lang: str) -> str:
    """``message`` in ``lang`` ("zh" or "en"); a message without a translation stays English."""
    if not (isinstance(lang, str) and lang.startswith("zh")) or not isinstance(message, str):
        return message
    if message in MESSAGES_ZH:
        return MESSAGES_ZH[message]
    for pattern, template in _COMPILED:
        match = pattern.match(message)
        if match:
            return match.expand(template)
    return message


def has_translation(message: str) -> bool:
    """Whether :func:`translate` knows ``message`` (used by the tests)."""
    return message in MESSAGES_ZH or any(p.match(message) for p, _ in _COMPILED)
