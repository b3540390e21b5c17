/// A growable byte buffer for the emitters: appends without Array's uniqueness checks on every byte.
final class ByteBuffer {
    private(set) var pointer: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        pointer = .allocate(capacity: self.capacity)
    }

    deinit { pointer.deallocate() }

    @inline(__always) func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        fresh.update(from: pointer, count: count)
        pointer.deallocate()
        pointer = fresh
        capacity = newCapacity
    }

    @inline(__always) func append(_ byte: UInt8) {
        if count == capacity { grow(count + 1) }
        pointer[count] = byte
        count += 1
    }

    @inline(__always) func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (pointer + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    @inline(__always) func append(repeating byte: UInt8, count n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (pointer + count).update(repeating: byte, count: n)
        count += n
    }

    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
