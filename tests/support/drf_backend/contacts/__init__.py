"""The contacts app: the model, its serializer and the view of Create Contact."""
