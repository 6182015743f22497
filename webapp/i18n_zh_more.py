"""Simplified Chinese for the message centre and the later polish (merged into ``i18n_zh.ZH``)."""
ZH_MORE: dict[str, str] = {
    # -- message centre and notices
    "Messages": "消息", "{n} unread": "{n} 条未读", "Unread": "未读", "Mark all read": "全部标为已读",
    "Mark read": "标为已读", "No messages.": "暂无消息。", "Notice not found.": "消息不存在。",
    "Application accepted": "已受理", "Correction notice": "补正告知", "Time suspended": "暂停计时",
    "Time limit extended": "延长期限", "Decision made": "办理结果", "Certificate ready": "证书已制发",
    "Rectification order": "整改通知", "Assigned to you": "分派给您", "Transferred to you": "转办给您",
    "Delegated to you": "委派给您", "Delegate answered": "委派已答复", "Taken back": "已拿回",
    "Signature requested": "请您会签", "Signature withdrawn": "已取消会签", "Copied to you": "抄送",
    "Reminder": "催办", "Extension request to decide": "待决定的延期申请",
}
