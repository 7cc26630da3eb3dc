"""A stand-in for your handler: it refuses orders marked as failing."""


def handler(event, context):
    if event.get("fail"):
        raise ValueError(f"order {event['order_id']} cannot be processed")
    return {"processed": event["order_id"]}
