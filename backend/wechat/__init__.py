"""The government-WeChat (政务微信) adapter: client, login, JS-SDK, callback, messages, media, contacts."""
