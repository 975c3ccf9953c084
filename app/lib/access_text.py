"""UI text of the login, account, audit, user admin and access messages (merged into
:data:`app.lib.i18n.TEXT`): (Chinese, English)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # login
    "login_title": ("登录 业财桥", "Sign in to ledgerbridge"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login": ("登录", "Sign in"),
    "logout": ("退出登录", "Sign out"),
    "login_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "login_locked": (
        "连续登录失败次数过多，账户已锁定至 {until}（UTC），请稍后再试或联系管理员。",
        "Too many failed sign-ins: the account is locked until {until} UTC. Try later or ask an admin.",
    ),
    "sso_unknown": (
        "企业账号 {email} 未开通本系统权限，请联系管理员。",
        "The company account {email} has no access here; ask an admin.",
    ),
    "sso_misconfigured": (
        "企业账号登录尚未配置完整，请联系管理员：{error}",
        "Company sign-in is not fully configured; ask an admin: {error}",
    ),
    "session_idle": (
        "会话因长时间未操作已结束，请重新登录。",
        "Your session ended after inactivity; sign in again.",
    ),
    "session_expired": ("会话已到期，请重新登录。", "Your session expired; sign in again."),
    "session_disabled": ("账户已停用。", "The account is disabled."),
    "session_logout": ("已退出登录。", "You are signed out."),
    "signed_in_as": (
        "{name}（{user}）· 角色：{roles} · 组织：{orgs}",
        "{name} ({user}) · roles: {roles} · orgs: {orgs}",
    ),
    "all_orgs": ("全部", "all"),
    "no_orgs": ("无", "none"),
    # password change
    "change_password": ("修改密码", "Change password"),
    "must_change_password": (
        "首次登录请先修改一次性密码。",
        "Please replace your one-time password before you continue.",
    ),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码（至少 10 位）", "New password (10+ characters)"),
    "repeat_password": ("再次输入新密码", "Repeat the new password"),
    "passwords_differ": ("两次输入的新密码不一致。", "The new passwords differ."),
    "password_changed": ("密码已修改。", "Password changed."),
    # access
    "access_denied": ("无权访问此内容。", "You may not see this."),
    "no_pages": ("您的角色没有可访问的页面，请联系管理员。", "Your roles open no page; ask an admin."),
    "no_grants": (
        "您尚未被授予任何组织（账套）的数据权限，请联系管理员。",
        "You have no org grant yet, so there is no data to show; ask an admin.",
    ),
    "scope_partial": (
        "仅显示您有权限的组织：{orgs}",
        "Showing only the orgs you are granted: {orgs}",
    ),
    "group_partial": (
        "合并（仅含已授权组织 {orgs}，{cur}，已抵销其间内部往来与交易）",
        "Consolidated over your orgs {orgs} only ({cur}, intercompany between them eliminated)",
    ),
    # pages
    "page_audit": ("审计日志", "Audit log"),
    "page_users": ("用户管理", "Users"),
    # audit page
    "audit_chain_ok": (
        "哈希链完整：共 {n} 条记录，末条哈希 {head}",
        "Hash chain intact: {n} entries, head {head}",
    ),
    "audit_chain_broken": (
        "哈希链断裂：第 {seq} 条记录 — {reason}",
        "Hash chain broken at entry {seq}: {reason}",
    ),
    "audit_verify": ("校验哈希链", "Verify the hash chain"),
    "audit_from": ("起始日期", "From"),
    "audit_to": ("截止日期", "To"),
    "audit_actor": ("操作人", "Who"),
    "audit_action": ("操作", "Action"),
    "audit_text": ("对象/详情包含", "Target or detail contains"),
    "audit_entries": ("{n} 条记录", "{n} entries"),
    # users page
    "users_list": ("用户列表", "Users"),
    "user_add": ("新增用户", "Add a user"),
    "user_edit": ("修改用户", "Change a user"),
    "display_name": ("姓名", "Display name"),
    "email": ("邮箱（企业账号登录）", "E-mail (single sign-on)"),
    "roles": ("角色", "Roles"),
    "org_grants": ("授权组织", "Org grants"),
    "all_orgs_grant": ("全部组织（含以后新增）", "Every org (also future ones)"),
    "save": ("保存", "Save"),
    "create": ("创建", "Create"),
    "reset_password": ("重置为一次性密码", "Reset to a one-time password"),
    "disable_user": ("停用", "Disable"),
    "enable_user": ("启用", "Enable"),
    "one_time_password": (
        "用户 {user} 的一次性密码（仅显示一次，首次登录须修改）：{otp}",
        "One-time password of {user} (shown once; to be changed at the first sign-in): {otp}",
    ),
    "user_saved": ("已保存 {user}。", "Saved {user}."),
    # console
    "console_scope": (
        "只读 · 仅含已授权组织 {orgs} · 行数上限 {rows:,} · 超时 {timeout:g} 秒 · 内存 {memory} · "
        "不可访问文件/网络/扩展",
        "read-only · your orgs only ({orgs}) · row limit {rows:,} · timeout {timeout:g} s · "
        "memory {memory} · no file/network/extension access",
    ),
}
