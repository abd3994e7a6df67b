# Standard tier: topics (chat-fanout) need it. Every queue dead-letters expired messages and
# messages delivered max_delivery_count times into its native $DeadLetterQueue subqueue,
# which `npx warranty-hub dlq ...` reads and replays.
resource "azurerm_servicebus_namespace" "main" {
  name                = "sb-${local.global}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "Standard"
  minimum_tls_version = "1.2"
  tags                = local.tags
}

resource "azurerm_servicebus_queue" "queues" {
  for_each = toset(var.queues)

  name                                 = each.value
  namespace_id                         = azurerm_servicebus_namespace.main.id
  max_delivery_count                   = var.max_delivery_count
  dead_lettering_on_message_expiration = true
  default_message_ttl                  = var.message_ttl
  lock_duration                        = "PT1M"
  max_size_in_megabytes                = 5120
}

# Chat fan-out: every chat-relay instance creates its own subscription at start (auto-deleted
# when idle), so the topic is here and the subscriptions are not.
resource "azurerm_servicebus_topic" "chat_fanout" {
  name                  = "chat-fanout"
  namespace_id          = azurerm_servicebus_namespace.main.id
  default_message_ttl   = "PT1H"
  max_size_in_megabytes = 1024
}

# The app sends, receives and (for the per-instance subscriptions) manages entities.
resource "azurerm_servicebus_namespace_authorization_rule" "app" {
  name         = "warranty-hub-app"
  namespace_id = azurerm_servicebus_namespace.main.id
  listen       = true
  send         = true
  manage       = true
}
