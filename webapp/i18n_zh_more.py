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
    # -- administrators keep accounts
    "Account updated.": "账号已更新。", "Account enabled.": "账号已启用。", "Account disabled.": "账号已停用。",
    "Password reset.": "密码已重置。", "Disabled": "已停用", "Details": "基本信息", "Access": "登录与权限",
    "E-mail (notices)": "电子邮箱（接收通知）", "Mobile (SMS notices)": "手机号（接收短信通知）",
    "Disable account": "停用账号", "Enable account": "启用账号", "New password": "新密码", "Reset password": "重置密码",
    "User details changed": "修改用户信息", "User disabled": "停用用户", "User enabled": "启用用户",
    "Password reset by an administrator": "管理员重置密码",
    "Give a name of at most 100 characters.": "请填写不超过 100 字的名称。",
    "Not a valid email address.": "不是有效的电子邮箱地址。",
    "Not a valid mobile number (11 digits starting with 1).": "不是有效的手机号（以 1 开头的 11 位数字）。",
    "You cannot disable your own account.": "不能停用自己的账号。",
    # -- staff search
    "Case number, title, enterprise, credit code or applicant": "办件编号、标题、企业名称、信用代码或申请人",
    # -- the applicant's correction, shown to the clerk
    "Explain your corrections to the office": "补正说明（告知审查人员）", "The applicant's correction": "申请人补正说明",
    "No explanation given.": "申请人未填写说明。", "Changed fields": "修改的内容",
    # -- codes and English left on pages
    "Holiday data for {year} has not been imported: working days are counted Monday to Friday.":
        "{year} 年节假日数据未导入，暂按周一至周五计算工作日。",
    "Version {n}": "第 {n} 版", "Stopped": "已终止",
    # -- the audit history's recorded data, as a table
    "Fields changed": "修改的字段", "Process instance": "流程实例", "Told": "通知对象", "Taken from": "拿回自",
    "Signer": "会签人", "Extension request": "延期申请", "Attachment": "附件", "Quota": "名额", "Results": "结果",
    "Materials received": "材料接收时间", "Set at": "设置环节", "Green-channel limit": "绿色通道时限",
    "File name": "文件名", "SHA-256": "SHA-256", "Size (bytes)": "大小（字节）",
}
