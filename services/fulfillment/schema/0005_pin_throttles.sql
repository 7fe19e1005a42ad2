-- Wrong PINs are counted in kernel.throttles per device and per client address, no longer per
-- store: ten wrong PINs from anyone paused sign-in for every picker of the store.
DROP TABLE fulfillment.pin_failures;
