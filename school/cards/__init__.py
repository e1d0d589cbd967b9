"""The electronic member card (党员身份电子卡) and its signed verification link."""
