"""The API's views: parse, call the services and selectors the portal calls, present. No rules here."""
