-- Quiet hours per target become a choice of three: 'hold' ordinary notices until the
-- morning (the default, as before), deliver everything at once but 'silent' (Telegram's
-- disable_notification), or 'off'. The old flag maps onto it: on = hold, off = off.
ALTER TABLE notify_targets ADD COLUMN quiet_mode TEXT NOT NULL DEFAULT 'hold'
    CHECK (quiet_mode IN ('hold', 'silent', 'off'));
UPDATE notify_targets SET quiet_mode = CASE WHEN quiet THEN 'hold' ELSE 'off' END;

-- The view's `quiet` now says whether quiet hours hold the target's ordinary notices;
-- `quiet_mode` is the choice itself.
DROP VIEW notify_recipients;
CREATE VIEW notify_recipients AS
SELECT s.account_id, a.identifier, a.customer_id, s.kind, s.channel,
       CASE WHEN s.channel = 'email' THEN a.email ELSE s.recipient END AS recipient,
       COALESCE(ch.lang, a.lang) AS lang,
       COALESCE(t.quiet_mode, 'hold') = 'hold' AS quiet,
       COALESCE(t.quiet_mode, 'hold') AS quiet_mode,
       s.since_on
FROM notify_subscriptions s
JOIN accounts a ON a.id = s.account_id
LEFT JOIN chats ch ON ch.channel = s.channel
     AND ch.source = CASE WHEN s.channel = 'email' THEN LOWER(a.email) ELSE s.recipient END
LEFT JOIN notify_targets t ON t.account_id = s.account_id AND t.channel = s.channel
     AND t.recipient = s.recipient
WHERE a.role = 'customer' AND a.customer_id IS NOT NULL AND a.locked = 0 AND a.closed = 0
  AND ((s.channel = 'telegram' AND COALESCE(ch.blocked, 0) = 0)
       OR (s.channel = 'email' AND a.email IS NOT NULL AND a.email <> ''));
