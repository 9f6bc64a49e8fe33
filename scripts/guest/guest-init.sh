#!/bin/sh
# vgpio test guest init (scripts/guest/guest-init.sh, installed as /init by prepare-guest.sh and prepare-newer-guest.sh)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# stdout/stderr of init and of everything it runs go straight to the console (ttyS0)
exec </dev/console >/dev/console 2>&1
load() {   # load ORDER_FILE: insmod its modules in order, if the file is there
    [ -f "$1" ] || return 0
    for m in $(cat "$1"); do
        insmod "/lib/modules/$m.ko" || echo "VGPIO-GUEST-INSMOD-FAILED $m"
    done
}
has_virtio() {   # has_virtio ID: a virtio device of that id (0x0029 gpio, 0x0009 9p) is present
    grep -qsx "$1" /sys/bus/virtio/devices/*/device
}
load /lib/modules/load-order
# gpio-sim and gpio-aggregator: loaded always, they make no chip until configfs or new_device says so
load /lib/modules/load-order-sim
[ -d /sys/kernel/config ] && mount -t configfs configfs /sys/kernel/config
# the virtio-9p shares of run-guest.sh, read-only, at /mnt/<mount_tag>
if has_virtio 0x0009; then
    load /lib/modules/load-order-9p
    for t in /sys/bus/virtio/drivers/9pnet_virtio/virtio*/mount_tag; do
        [ -f "$t" ] || continue
        tag="$(tr -d '\000' < "$t")"
        case "$tag" in ''|*[!A-Za-z0-9_-]*) echo "VGPIO-GUEST-9P-BAD-TAG $tag"; continue ;; esac
        mkdir -p "/mnt/$tag"
        mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose "$tag" "/mnt/$tag" \
            || echo "VGPIO-GUEST-9P-MOUNT-FAILED $tag"
    done
fi
i=0
while has_virtio 0x0029 && [ ! -e /dev/gpiochip0 ] && [ "$i" -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ -e /dev/gpiochip0 ]; then
    echo "VGPIO-GUEST-READY"
else
    echo "VGPIO-GUEST-READY nochip"
fi
if [ -f /scenario.sh ]; then
    sh /scenario.sh
    echo "VGPIO-SCENARIO-EXIT $?"
fi
sync
poweroff -f
